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

// Share target: keep the shared images in a cache until the Library imports them, then land there.
registerRoute(
  ({ url, request }) => request.method === 'POST' && url.pathname === SHARE_TARGET_PATH,
  async ({ request }) => {
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

self.addEventListener('message', (event) => {
  if ((event.data as { type?: string } | null)?.type === 'SKIP_WAITING') void self.skipWaiting();
});
clientsClaim();
