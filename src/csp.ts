/**
 * Content-Security-Policy of the app. Private text must never leave the page, so the only
 * origin any script, worker or fetch may talk to is the app's own ('self'). 'wasm-unsafe-eval'
 * lets the TF.js WASM backend compile its module; blob: lets the worker and downloads work.
 */
export const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self' blob:",
  "connect-src 'self'",
  "img-src 'self' data: blob:",
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Cross-origin isolation: with these the page (and its workers) get SharedArrayBuffer, which the
 * WASM backend's threads need (src/platform/wasm-threads.ts). Every resource is same-origin, so
 * `require-corp` blocks nothing the app loads.
 */
export const crossOriginIsolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
} as const;
