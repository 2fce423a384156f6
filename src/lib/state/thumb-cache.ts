/**
 * Object URLs for thumbnails, shared by every gallery cell: requests made in the same tick are
 * read in one IndexedDB call, and the least recently used URLs are revoked past a limit so a
 * long scroll through 2,000 works does not keep every thumbnail alive.
 */
import { db } from '../db/instance';
import { getBlobs } from '../db/works';

const LIMIT = 600;
const urls = new Map<string, string>();
let queue = new Map<string, { resolve: (url: string) => void; reject: (e: unknown) => void }[]>();
let scheduled = false;

function remember(id: string, url: string): void {
  urls.delete(id);
  urls.set(id, url);
  while (urls.size > LIMIT) {
    const [oldId, oldUrl] = urls.entries().next().value as [string, string];
    urls.delete(oldId);
    URL.revokeObjectURL(oldUrl);
  }
}

async function flush(): Promise<void> {
  scheduled = false;
  const batch = queue;
  queue = new Map();
  const ids = [...batch.keys()];
  try {
    const blobs = await getBlobs(db, ids);
    ids.forEach((id, i) => {
      const blob = blobs[i];
      const waiting = batch.get(id)!;
      if (!blob) {
        waiting.forEach((w) => w.reject(new Error(`thumbnail ${id} is missing`)));
        return;
      }
      const url = URL.createObjectURL(blob);
      remember(id, url);
      waiting.forEach((w) => w.resolve(url));
    });
  } catch (error) {
    for (const waiting of batch.values()) waiting.forEach((w) => w.reject(error));
  }
}

/** The URL if it is already made (no flash of placeholder on re-render). */
export function peekThumb(blobId: string): string | null {
  const url = urls.get(blobId);
  if (url) remember(blobId, url);
  return url ?? null;
}

export function thumbUrl(blobId: string): Promise<string> {
  const ready = peekThumb(blobId);
  if (ready) return Promise.resolve(ready);
  return new Promise((resolve, reject) => {
    const waiting = queue.get(blobId) ?? [];
    waiting.push({ resolve, reject });
    queue.set(blobId, waiting);
    if (!scheduled) {
      scheduled = true;
      setTimeout(() => void flush(), 0);
    }
  });
}
