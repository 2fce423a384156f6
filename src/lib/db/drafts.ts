/**
 * Drafts: the stack being edited for a work, saved as it changes so a reload loses nothing.
 * One draft per work (keyed by work id); it remembers which version the edit started from.
 *
 *   saveDraft(db, { workId, stack, versionId })  → writes (last write wins)
 *   loadDraft(db, workId)                        → { stack, versionId, updatedAt } | null
 *   clearDraft(db, workId)
 *   latestDraft(db)                              → the most recently edited draft (reopen it)
 *   mirrorDraft({ workId, stack, versionId })    → a synchronous copy, written at once
 *
 * Why a mirror (issue #20, defect 8): an IndexedDB write is asynchronous, and one started in the
 * last ~100 ms before a reload (debounce pending, or during `pagehide`) may never commit. The
 * mirror is a localStorage copy written synchronously on every edit; loading prefers whichever
 * of the two is newer, and a committed IndexedDB write removes the mirror it covers.
 */
import type { EffectStack } from '../../shared/effects/types';
import { storageError } from '../../shared/errors/library';
import { parseStack } from '../../shared/render-room/stack-edit';
import type { AtelierDb, Draft } from './schema';

export interface StoredDraft {
  workId: string;
  stack: EffectStack;
  /** The version the edit started from; null for the original. */
  versionId: string | null;
  updatedAt: number;
}

type DraftRow = Draft & { versionId?: string | null };

function checked(row: DraftRow | undefined): StoredDraft | null {
  if (!row) return null;
  const stack = parseStack(row.stack);
  if (!stack) return null;
  return { workId: row.workId, stack, versionId: row.versionId ?? null, updatedAt: row.updatedAt };
}

const MIRROR_PREFIX = 'atelier.draft.';

function storage(): Storage | undefined {
  try {
    return globalThis.localStorage;
  } catch {
    return undefined;
  }
}

/**
 * Writes the draft synchronously to the mirror, so a reload right after an edit keeps it. Never
 * throws (a full or missing localStorage leaves the IndexedDB write as the only copy).
 */
export function mirrorDraft(input: {
  workId: string;
  stack: EffectStack;
  versionId?: string | null;
  now?: number;
}): void {
  const row: DraftRow = {
    workId: input.workId,
    stack: input.stack,
    versionId: input.versionId ?? null,
    updatedAt: input.now ?? Date.now(),
  };
  try {
    storage()?.setItem(MIRROR_PREFIX + input.workId, JSON.stringify(row));
  } catch {
    // quota or privacy mode: IndexedDB still gets the draft
  }
}

function readMirror(workId: string): DraftRow | undefined {
  try {
    const text = storage()?.getItem(MIRROR_PREFIX + workId);
    const row = text ? (JSON.parse(text) as DraftRow) : undefined;
    return row && row.workId === workId && typeof row.updatedAt === 'number' ? row : undefined;
  } catch {
    return undefined;
  }
}

function mirrors(): DraftRow[] {
  const store = storage();
  if (!store) return [];
  const rows: DraftRow[] = [];
  for (let i = 0; i < store.length; i++) {
    const key = store.key(i);
    if (!key?.startsWith(MIRROR_PREFIX)) continue;
    const row = readMirror(key.slice(MIRROR_PREFIX.length));
    if (row) rows.push(row);
  }
  return rows;
}

function dropMirror(workId: string, upTo = Infinity): void {
  const row = readMirror(workId);
  if (row && row.updatedAt <= upTo) storage()?.removeItem(MIRROR_PREFIX + workId);
}

const newer = (a: DraftRow | undefined, b: DraftRow | undefined) =>
  !a ? b : !b ? a : b.updatedAt > a.updatedAt ? b : a;

/** @throws LibraryError `quota-exceeded`, `storage-failed` */
export async function saveDraft(
  db: AtelierDb,
  input: { workId: string; stack: EffectStack; versionId?: string | null; now?: number },
): Promise<void> {
  const row: DraftRow = {
    workId: input.workId,
    stack: structuredClone(input.stack),
    versionId: input.versionId ?? null,
    updatedAt: input.now ?? Date.now(),
  };
  try {
    await db.drafts.put(row);
  } catch (error) {
    throw storageError(error, 'The draft');
  }
  dropMirror(row.workId, row.updatedAt);
}

/** The work's draft, or null (none, or unreadable). */
export async function loadDraft(db: AtelierDb, workId: string): Promise<StoredDraft | null> {
  return checked(newer(await db.drafts.get(workId), readMirror(workId)));
}

export async function clearDraft(db: AtelierDb, workId: string): Promise<void> {
  dropMirror(workId);
  await db.drafts.delete(workId);
}

/** The draft edited last (for reopening the room where the artist left it), or null. */
export async function latestDraft(db: AtelierDb): Promise<StoredDraft | null> {
  const row = await db.drafts.orderBy('updatedAt').last();
  return checked(mirrors().reduce<DraftRow | undefined>(newer, row));
}
