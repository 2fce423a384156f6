/**
 * What the Library says about the browser's storage, and when. Browser storage that is not
 * persistent may be cleared when the disk runs low; saying so right after the first import, with
 * nothing to do about it, only alarms (issue #19). The advice waits until it matters (several
 * works, or a fair amount of data, or the browser declined a request made when it mattered) and
 * then gives one sentence and the one action that helps: installing Atelier (an installed app's
 * storage is kept) when the browser offers it, a backup file otherwise.
 */

/** Works in the library from which losing them matters enough to say so. */
export const ADVICE_MIN_WORKS = 3;
/** Bytes of originals from which the same holds however few the works. */
export const ADVICE_MIN_BYTES = 20 * 1024 ** 2;

export interface StorageFacts {
  /** true: exempt from eviction; false: may be cleared; null: the browser cannot say. */
  persisted: boolean | null;
  /** Works in the library. */
  works: number;
  /** Bytes of their originals. */
  bytes: number;
  /** A persistence request made once the library mattered was declined. */
  refused: boolean;
  /** The last backup holds every change (nothing would be lost with the storage). */
  backedUp: boolean;
  /** The browser offers to install Atelier. */
  canInstall: boolean;
}

export interface StorageAdvice {
  sentence: string;
  action: 'install' | 'backup';
  /** The action's button label. */
  actionLabel: string;
}

/** True once the library holds enough to be worth protecting. */
export function libraryMatters(facts: Pick<StorageFacts, 'works' | 'bytes'>): boolean {
  return facts.works >= ADVICE_MIN_WORKS || facts.bytes >= ADVICE_MIN_BYTES;
}

function size(bytes: number): string {
  if (bytes < 1024 ** 2) return `${Math.max(1, Math.round(bytes / 1024))} KB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(0)} MB`;
  return `${(bytes / 1024 ** 3).toFixed(1)} GB`;
}

/** The advice to show now, or null when there is nothing worth saying. */
export function storageAdvice(facts: StorageFacts): StorageAdvice | null {
  if (facts.persisted !== false || facts.works === 0) return null;
  if (!facts.refused && !libraryMatters(facts)) return null;
  // A backup that holds everything already covers the risk; an install would still prevent it.
  if (facts.backedUp && !facts.canInstall) return null;
  const what = `your ${facts.works} ${facts.works === 1 ? 'work' : 'works'} (${size(facts.bytes)})`;
  const risk = facts.refused
    ? `The browser declined to keep Atelier's storage, so it may clear ${what} when the disk runs low`
    : `This browser may clear ${what} when the disk runs low`;
  if (facts.canInstall) {
    return {
      sentence: `${risk}; installing Atelier asks it to keep them.`,
      action: 'install',
      actionLabel: 'Install Atelier',
    };
  }
  return {
    sentence: `${risk}, so keep a backup file of them somewhere safe.`,
    action: 'backup',
    actionLabel: 'Back up now',
  };
}
