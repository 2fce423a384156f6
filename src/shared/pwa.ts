/** Names shared by the service worker and the page. */

/** Cache where the service worker keeps images shared to the app until the Library takes them. */
export const SHARE_CACHE = 'atelier-share-inbox';
/** The share target's POST endpoint (see public/manifest.webmanifest). */
export const SHARE_TARGET_PATH = '/share-target';
/** Where the page is sent after a share. */
export const SHARE_LANDING = '/#/library?shared=1';

/**
 * The Content-Security-Policy for every document and worker. Model downloads and on-chain anchors
 * are opt-in; the only outside hosts allowed are the known model hubs, used only on request.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self' blob:",
  "connect-src 'self' blob: data: https://huggingface.co https://*.huggingface.co https://*.hf.co",
  "img-src 'self' blob: data:",
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self'",
  "media-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

/** As an HTTP header it can also forbid framing (ignored, with a warning, in a meta tag). */
export const CONTENT_SECURITY_POLICY_HEADER = `${CONTENT_SECURITY_POLICY}; frame-ancestors 'none'`;
