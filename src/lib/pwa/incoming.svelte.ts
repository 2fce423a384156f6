/**
 * Images that reach the installed app from outside: opened from the desktop (file_handlers, via
 * the Launch Queue: the person chose "Open with Atelier") or shared from another app (share_target,
 * kept by the service worker in a cache). Opened files go straight to the Library's importer;
 * shared ones wait in the cache until the artist answers "N images were shared — import them?"
 * (issue #20, defect 1), so nothing enters the Library without the artist's say.
 */
import { SHARE_CACHE } from '../../shared/pwa';

interface LaunchParams {
  files: FileSystemFileHandle[];
}
interface LaunchQueue {
  setConsumer(consumer: (params: LaunchParams) => void): void;
}

class Incoming {
  /** Files waiting to be imported (opened with the app). */
  files = $state<File[]>([]);
  /** Shared files waiting for the artist's confirmation. */
  shared = $state<File[]>([]);
  #sharedKeys: string[] = [];

  start(): void {
    const queue = (globalThis as { launchQueue?: LaunchQueue }).launchQueue;
    queue?.setConsumer((params) => {
      void Promise.all(params.files.map((handle) => handle.getFile())).then((files) => {
        this.files = [...this.files, ...files];
      });
    });
    // The inbox only ever holds what the service worker accepted; ask about it on every start,
    // so a reload before the answer loses nothing.
    void this.#readShareInbox();
  }

  /** Hands the waiting files to the caller (the Library's importer) and forgets them. */
  take(): File[] {
    const files = this.files;
    this.files = [];
    return files;
  }

  /** The artist said yes: the shared files, which leave the inbox. */
  async acceptShared(): Promise<File[]> {
    const files = this.shared;
    await this.#clearInbox();
    return files;
  }

  /** The artist said no: the shared files are dropped. */
  async discardShared(): Promise<void> {
    await this.#clearInbox();
  }

  async #clearInbox(): Promise<void> {
    const keys = this.#sharedKeys;
    this.shared = [];
    this.#sharedKeys = [];
    if (!('caches' in globalThis)) return;
    const cache = await caches.open(SHARE_CACHE);
    await Promise.all(keys.map((key) => cache.delete(key)));
  }

  async #readShareInbox(): Promise<void> {
    if (!('caches' in globalThis)) return;
    const cache = await caches.open(SHARE_CACHE);
    const files: File[] = [];
    const keys: string[] = [];
    for (const request of await cache.keys()) {
      const response = await cache.match(request);
      if (!response) continue;
      const name = decodeURIComponent(new URL(request.url).pathname.split('/').pop() ?? 'shared');
      const blob = await response.blob();
      files.push(new File([blob], name, { type: blob.type }));
      keys.push(request.url);
    }
    this.shared = files;
    this.#sharedKeys = keys;
  }
}

export const incoming = new Incoming();
