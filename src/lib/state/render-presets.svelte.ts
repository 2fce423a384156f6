/**
 * The Render room's presets: the saved stacks it lists, and saving, renaming and deleting them.
 * Applying one is an edit of the open stack, so it stays in ./render-room.svelte.ts, which also
 * hands these on to the panels (`renderRoom.presets`, `renderRoom.savePreset`…).
 */
import { db } from '../db/instance';
import {
  deletePreset,
  listPresets,
  renamePreset,
  savePreset,
  type StoredPreset,
} from '../db/presets';
import { handleError } from '../errors/handle-error';
import type { EffectStack } from '../../shared/effects/types';

class RenderPresetsState {
  list = $state.raw<StoredPreset[]>([]);

  async refresh(): Promise<void> {
    this.list = await listPresets(db);
  }

  /** Saves `stack` as a preset named `name`; false (the error shown) when that failed. */
  async save(name: string, stack: EffectStack): Promise<boolean> {
    try {
      await savePreset(db, { name, stack });
      await this.refresh();
      return true;
    } catch (error) {
      handleError(error, 'Saving the preset');
      return false;
    }
  }

  /** Renames a preset; false (the error shown) when that failed. */
  async rename(id: string, name: string): Promise<boolean> {
    try {
      await renamePreset(db, id, name);
      await this.refresh();
      return true;
    } catch (error) {
      handleError(error, 'Renaming the preset');
      return false;
    }
  }

  /** Deletes a preset (an error is shown, not thrown). */
  async delete(id: string): Promise<void> {
    try {
      await deletePreset(db, id);
      await this.refresh();
    } catch (error) {
      handleError(error, 'Deleting the preset');
    }
  }
}

/** The saved presets, shared by the Render room's panels. */
export const renderPresets = new RenderPresetsState();
