/**
 * HTTP headers that keep the studio private and cross-origin isolated.
 *
 * - COOP `same-origin` + COEP `require-corp` make the page cross-origin
 *   isolated, which SharedArrayBuffer (threaded WASM) needs.
 * - The Content-Security-Policy allows every fetch, script, worker, image and
 *   style only from the app's own origin, so no tile or report can leave the
 *   machine through the page. `'wasm-unsafe-eval'` lets WebAssembly compile;
 *   `blob:` is for images and workers the page creates from its own memory.
 */
export interface SecurityHeaderOptions {
  /** Apply the full CSP (production build). Dev mode needs inline scripts. */
  strictCsp: boolean;
}

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self' blob:",
  "connect-src 'self'",
  "img-src 'self' blob: data:",
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export function securityHeaders(options: SecurityHeaderOptions): Record<string, string> {
  const headers: Record<string, string> = {
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Embedder-Policy': 'require-corp',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Referrer-Policy': 'no-referrer',
    'X-Content-Type-Options': 'nosniff',
  };
  if (options.strictCsp) headers['Content-Security-Policy'] = CONTENT_SECURITY_POLICY;
  return headers;
}
