/**
 * Images that reach the installed app from outside: opened from the desktop (file_handlers, via
 * the Launch Queue) or shared from another app on a tablet (share_target, kept by the service
 * worker in a cache). The Library room takes them and imports them like any other files.
 */
import { SHARE_CACHE } from '../../shared/pwa';

interface LaunchParams {
  files: FileSystemFileHandle[];
}
interface LaunchQueue {
  setConsumer(consumer: (params: LaunchParams) => void): void;
}

class Incoming {
  /** Files waiting to be imported. */
  files = $state<File[]>([]);

  start(): void {
    const queue = (globalThis as { launchQueue?: LaunchQueue }).launchQueue;
    queue?.setConsumer((params) => {
      void Promise.all(params.files.map((handle) => handle.getFile())).then((files) => {
        this.files = [...this.files, ...files];
      });
    });
    if (new URLSearchParams(location.hash.split('?')[1] ?? '').has('shared')) {
      void this.#drainShareInbox();
    }
  }

  /** Hands the waiting files to the caller (the Library's importer) and forgets them. */
  take(): File[] {
    const files = this.files;
    this.files = [];
    return files;
  }

  async #drainShareInbox(): Promise<void> {
    if (!('caches' in globalThis)) return;
    const cache = await caches.open(SHARE_CACHE);
    const files: File[] = [];
    for (const request of await cache.keys()) {
      const response = await cache.match(request);
      if (!response) continue;
      const name = decodeURIComponent(new URL(request.url).pathname.split('/').pop() ?? 'shared');
      const blob = await response.blob();
      files.push(new File([blob], name, { type: blob.type }));
      await cache.delete(request);
    }
    if (files.length) this.files = [...this.files, ...files];
  }
}

export const incoming = new Incoming();
