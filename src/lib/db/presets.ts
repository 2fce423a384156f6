/**
 * Render presets: a named effect stack the artist can apply to any work (or to a batch).
 * Every function takes the database first (`db` from ./instance; tests pass `openDb('test-…')`).
 *
 *   listPresets(db)                  → Preset[] by name
 *   savePreset(db, { name, stack })  → Preset (a new one; names need not be unique)
 *   getPreset(db, id)                → Preset with a checked stack        @throws preset-not-found
 *   renamePreset(db, id, name)       → Preset                             @throws preset-not-found
 *   deletePreset(db, id)
 */
import { parseStack } from '../../shared/render-room/stack-edit';
import type { EffectStack } from '../../shared/effects/types';
import { storageError } from '../../shared/errors/library';
import { RenderRoomError } from '../../shared/errors/render-room';
import type { AtelierDb, Preset } from './schema';

export const MAX_PRESET_NAME = 80;

export interface StoredPreset extends Preset {
  stack: EffectStack;
}

/** @throws RenderRoomError `invalid-preset-name` */
export function checkPresetName(name: string): string {
  const clean = name.replace(/\s+/g, ' ').trim();
  if (!clean) throw new RenderRoomError('invalid-preset-name', 'A preset needs a name.');
  if (clean.length > MAX_PRESET_NAME) {
    throw new RenderRoomError(
      'invalid-preset-name',
      `A preset name has at most ${MAX_PRESET_NAME} characters.`,
    );
  }
  return clean;
}

function checked(row: Preset): StoredPreset | null {
  const stack = parseStack(row.stack);
  return stack ? { ...row, stack } : null;
}

/** Presets sorted by name (rows whose stack is unreadable are skipped). */
export async function listPresets(db: AtelierDb): Promise<StoredPreset[]> {
  const rows = await db.presets.orderBy('name').toArray();
  return rows.map(checked).filter((p): p is StoredPreset => p !== null);
}

/** @throws RenderRoomError `preset-not-found`, `invalid-stack` */
export async function getPreset(db: AtelierDb, id: string): Promise<StoredPreset> {
  const row = await db.presets.get(id);
  if (!row) throw new RenderRoomError('preset-not-found', 'That preset no longer exists.');
  const preset = checked(row);
  if (!preset) {
    throw new RenderRoomError('invalid-stack', `The preset “${row.name}” is damaged.`, {
      details: { id },
    });
  }
  return preset;
}

/**
 * Saves `stack` as a new preset.
 * @throws RenderRoomError `invalid-preset-name`; LibraryError `quota-exceeded`, `storage-failed`
 */
export async function savePreset(
  db: AtelierDb,
  input: { name: string; stack: EffectStack; now?: number },
): Promise<StoredPreset> {
  const name = checkPresetName(input.name);
  const now = input.now ?? Date.now();
  const preset: StoredPreset = {
    id: crypto.randomUUID(),
    name,
    stack: structuredClone(input.stack),
    createdAt: now,
    updatedAt: now,
  };
  try {
    await db.presets.add(preset);
  } catch (error) {
    throw storageError(error, `The preset “${name}”`);
  }
  return preset;
}

/** @throws RenderRoomError `invalid-preset-name`, `preset-not-found`; LibraryError on storage */
export async function renamePreset(db: AtelierDb, id: string, name: string): Promise<StoredPreset> {
  const clean = checkPresetName(name);
  let updated: Preset | undefined;
  try {
    await db.transaction('rw', db.presets, async () => {
      const row = await db.presets.get(id);
      if (!row) throw new RenderRoomError('preset-not-found', 'That preset no longer exists.');
      updated = { ...row, name: clean, updatedAt: Date.now() };
      await db.presets.put(updated);
    });
  } catch (error) {
    if (error instanceof RenderRoomError) throw error;
    throw storageError(error, `The preset name “${clean}”`);
  }
  return getPreset(db, updated!.id);
}

/** Deletes a preset (nothing happens when it is already gone). */
export async function deletePreset(db: AtelierDb, id: string): Promise<void> {
  await db.presets.delete(id);
}
