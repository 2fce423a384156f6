/**
 * What happens in the Library, for whoever listens (the Library room refreshes on it; the
 * Insights room may count it). Emitted after a write has committed; a listener that throws is
 * logged and never breaks the write.
 */
export type LibraryEvent =
  | {
      type: 'work-added';
      workId: string;
      bytes: number;
      width: number;
      height: number;
      mime: string;
    }
  | { type: 'work-updated'; workId: string; fields: string[] }
  | { type: 'work-deleted'; workId: string }
  | { type: 'work-restored'; workId: string }
  | { type: 'works-purged'; workIds: string[] }
  | { type: 'version-added'; workId: string; versionId: string }
  | { type: 'backup-created'; works: number; bytes: number }
  | { type: 'backup-restored'; works: number; versions: number };

type Listener = (event: LibraryEvent) => void;
const listeners = new Set<Listener>();

/** Calls `listener` after every committed Library change. Returns the unsubscribe function. */
export function onLibraryEvent(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function emitLibraryEvent(event: LibraryEvent): void {
  for (const listener of [...listeners]) {
    try {
      listener(event);
    } catch (error) {
      console.error('A Library event listener failed', error);
    }
  }
}
