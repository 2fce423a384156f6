/**
 * The page's side of the PWA: registers the service worker (production only) with workbox-window,
 * tells the person when an update is waiting and applies it only when they accept (after saving
 * what is in flight), offers the browser's install prompt, and guards against a chunk that fails
 * to load after a deploy (one reload at most).
 */
import { Workbox } from 'workbox-window';

interface InstallPromptEvent extends Event {
  prompt(): Promise<void>;
  userChoice: Promise<{ outcome: 'accepted' | 'dismissed' }>;
}

type BeforeUpdate = () => void | Promise<void>;
const RELOAD_GUARD_KEY = 'atelier.chunkReload';

class Pwa {
  /** A new version is installed and waiting for the person's go-ahead. */
  updateReady = $state(false);
  /** The service worker controls this page (offline-capable). */
  offlineReady = $state(false);
  /** The browser offered installation (Chromium's beforeinstallprompt). */
  canInstall = $state(false);
  installed = $state(false);

  #wb: Workbox | undefined;
  #installEvent: InstallPromptEvent | undefined;
  #beforeUpdate = new Set<BeforeUpdate>();

  start(): void {
    addEventListener('beforeinstallprompt', (event) => {
      event.preventDefault();
      this.#installEvent = event as InstallPromptEvent;
      this.canInstall = true;
    });
    addEventListener('appinstalled', () => {
      this.installed = true;
      this.canInstall = false;
    });
    guardChunkLoads();
    if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return;

    const wb = new Workbox('/sw.js', { scope: '/' });
    this.#wb = wb;
    wb.addEventListener('waiting', () => {
      this.updateReady = true;
    });
    wb.addEventListener('activated', () => {
      this.offlineReady = true;
    });
    void wb.register().then((registration) => {
      if (navigator.serviceWorker.controller) this.offlineReady = true;
      // Look for a new version now and then, and whenever the person comes back online.
      const check = () => void registration?.update().catch(() => undefined);
      addEventListener('online', check);
      setInterval(check, 60 * 60_000);
    });
  }

  /** Rooms register work to save before an update reloads the page (drafts, queued events). */
  onBeforeUpdate(fn: BeforeUpdate): () => void {
    this.#beforeUpdate.add(fn);
    return () => this.#beforeUpdate.delete(fn);
  }

  /** Saves what is in flight, activates the waiting worker and reloads into the new version. */
  async applyUpdate(): Promise<void> {
    const wb = this.#wb;
    if (!wb) return;
    await Promise.allSettled([...this.#beforeUpdate].map((fn) => fn()));
    wb.addEventListener('controlling', () => location.reload());
    wb.messageSkipWaiting();
  }

  async install(): Promise<void> {
    const event = this.#installEvent;
    if (!event) return;
    await event.prompt();
    const { outcome } = await event.userChoice;
    this.#installEvent = undefined;
    this.canInstall = false;
    if (outcome === 'accepted') this.installed = true;
  }
}

/**
 * After a deploy, an old page may ask for a chunk that no longer exists. Reload once to get the
 * new version; a second failure within a minute is left to the normal error path.
 */
function guardChunkLoads(): void {
  addEventListener('vite:preloadError', (event) => {
    const last = Number(sessionStorage.getItem(RELOAD_GUARD_KEY) ?? 0);
    if (Date.now() - last < 60_000) return;
    event.preventDefault();
    sessionStorage.setItem(RELOAD_GUARD_KEY, String(Date.now()));
    location.reload();
  });
}

export const pwa = new Pwa();
