/**
 * Registers the service worker that precaches the built studio, so it opens
 * offline after the first load. Production builds only: `vite` dev mode
 * serves modules that change on every edit and has no `sw.js`.
 */
export function registerServiceWorker(): void {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return;

  const base = import.meta.env.BASE_URL;
  window.addEventListener('load', () => {
    navigator.serviceWorker.register(`${base}sw.js`, { scope: base }).catch((error: unknown) => {
      // The studio works without it; only the offline start is lost.
      console.warn('[service worker] registration failed, so the studio will not open offline:', error);
    });
  });
}
