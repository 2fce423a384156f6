/**
 * Drafts: the stack being edited for a work, saved as it changes so a reload loses nothing.
 * One draft per work (keyed by work id); it remembers which version the edit started from.
 *
 *   saveDraft(db, { workId, stack, versionId })  → writes (last write wins)
 *   loadDraft(db, workId)                        → { stack, versionId, updatedAt } | null
 *   clearDraft(db, workId)
 *   latestDraft(db)                              → the most recently edited draft (reopen it)
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
}

/** The work's draft, or null (none, or unreadable). */
export async function loadDraft(db: AtelierDb, workId: string): Promise<StoredDraft | null> {
  return checked(await db.drafts.get(workId));
}

export async function clearDraft(db: AtelierDb, workId: string): Promise<void> {
  await db.drafts.delete(workId);
}

/** The draft edited last (for reopening the room where the artist left it), or null. */
export async function latestDraft(db: AtelierDb): Promise<StoredDraft | null> {
  const row = await db.drafts.orderBy('updatedAt').last();
  return checked(row);
}
