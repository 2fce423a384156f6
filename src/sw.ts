/**
 * The service worker (injectManifest). Precaches the app shell, the WASM runtimes and the bundled
 * models; re-adds COOP/COEP and the CSP to every response it serves, so the page stays
 * cross-origin isolated (WASM threads) and locked down offline; receives images shared to the
 * installed app; waits for the person to accept an update.
 */
/// <reference lib="webworker" />
import { clientsClaim, type WorkboxPlugin } from 'workbox-core';
import {
  addPlugins,
  cleanupOutdatedCaches,
  createHandlerBoundToURL,
  precacheAndRoute,
} from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import {
  CONTENT_SECURITY_POLICY_HEADER,
  SHARE_CACHE,
  SHARE_LANDING,
  SHARE_TARGET_PATH,
} from './shared/pwa';
import { judgeShareRequest } from './shared/share-target';

declare let self: ServiceWorkerGlobalScope & {
  __WB_MANIFEST: Array<string | { url: string; revision: string | null }>;
};

function secured(response: Response): Response {
  if (response.type === 'opaque' || response.status === 0) return response;
  const headers = new Headers(response.headers);
  headers.set('Cross-Origin-Opener-Policy', 'same-origin');
  headers.set('Cross-Origin-Embedder-Policy', 'require-corp');
  headers.set('Cross-Origin-Resource-Policy', 'same-origin');
  const type = headers.get('Content-Type') ?? '';
  if (type.includes('text/html') || type.includes('javascript')) {
    headers.set('Content-Security-Policy', CONTENT_SECURITY_POLICY_HEADER);
  }
  return new Response(response.body, {
    status: response.status,
    statusText: response.statusText,
    headers,
  });
}

addPlugins([
  { handlerWillRespond: async ({ response }) => secured(response) } satisfies WorkboxPlugin,
]);
precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();
registerRoute(new NavigationRoute(createHandlerBoundToURL('index.html')));

// Share target: only the studio itself or the OS share sheet may hand us images (any site can
// submit a form here); they wait in a cache until the artist confirms the import in the Library.
registerRoute(
  ({ url, request }) => request.method === 'POST' && url.pathname === SHARE_TARGET_PATH,
  async ({ request, event }) => {
    const clientId = (event as FetchEvent).clientId ?? '';
    const client = clientId ? await self.clients.get(clientId) : undefined;
    const verdict = judgeShareRequest({
      origin: request.headers.get('Origin'),
      ownOrigin: self.location.origin,
      clientId,
      clientIsOurs: client !== undefined,
    });
    if (!verdict.ok) return refusedShare();
    const form = await request.formData();
    const cache = await caches.open(SHARE_CACHE);
    let i = 0;
    for (const entry of form.getAll('images')) {
      if (!(entry instanceof File)) continue;
      const key = `/__share/${Date.now()}-${i++}/${encodeURIComponent(entry.name || 'shared')}`;
      await cache.put(
        key,
        new Response(entry, {
          headers: { 'Content-Type': entry.type || 'application/octet-stream' },
        }),
      );
    }
    return Response.redirect(SHARE_LANDING, 303);
  },
  'POST',
);

function refusedShare(): Response {
  const body =
    '<!doctype html><meta charset="utf-8"><title>Not accepted — Atelier</title>' +
    "<p>Atelier accepts shared images only from your device's share menu or from Atelier " +
    'itself. Nothing was kept.</p><p><a href="/#/library">Open the Library</a></p>';
  return new Response(body, {
    status: 403,
    headers: {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Security-Policy': CONTENT_SECURITY_POLICY_HEADER,
    },
  });
}

self.addEventListener('message', (event) => {
  if ((event.data as { type?: string } | null)?.type === 'SKIP_WAITING') void self.skipWaiting();
});
clientsClaim();
