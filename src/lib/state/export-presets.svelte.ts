/**
 * The export presets the artist can pick: the built-in ones, then their own, saved by name in
 * this browser (localStorage; a damaged entry is skipped, the rest load). Saving under a name
 * that exists replaces that preset.
 */
import {
  BUILT_IN_PRESETS,
  checkPreset,
  MAX_SAVED_PRESETS,
  type ExportPreset,
  type ExportSettings,
} from '../../shared/library/export-presets';
import { LibraryError } from '../../shared/errors/library';

const KEY = 'atelier.export-presets.v1';

function load(): ExportPreset[] {
  try {
    const raw = JSON.parse(globalThis.localStorage?.getItem(KEY) ?? '[]') as unknown;
    if (!Array.isArray(raw)) return [];
    const out: ExportPreset[] = [];
    for (const entry of raw) {
      try {
        out.push(checkPreset(entry));
      } catch {
        // a damaged entry: skipped, the others still load
      }
    }
    return out;
  } catch {
    return [];
  }
}

class ExportPresets {
  saved = $state.raw<ExportPreset[]>(load());
  all = $derived([...BUILT_IN_PRESETS, ...this.saved]);

  find(id: string): ExportPreset | undefined {
    return this.all.find((p) => p.id === id);
  }

  /**
   * Saves `settings` as the artist's preset `name`, replacing one of the same name.
   * @throws LibraryError `invalid-text` saying what is wrong (nothing is saved then).
   */
  save(name: string, settings: ExportSettings): ExportPreset {
    const same = this.saved.find((p) => p.name.toLowerCase() === name.trim().toLowerCase());
    if (BUILT_IN_PRESETS.some((p) => p.name.toLowerCase() === name.trim().toLowerCase())) {
      throw new LibraryError(
        'invalid-text',
        'That name belongs to a built-in preset; choose another.',
      );
    }
    if (!same && this.saved.length >= MAX_SAVED_PRESETS) {
      throw new LibraryError(
        'invalid-text',
        `You can keep ${MAX_SAVED_PRESETS} presets; delete one to save another.`,
      );
    }
    const preset = checkPreset({
      ...settings,
      name,
      id: same?.id ?? `p${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`,
    });
    this.#store(
      same ? this.saved.map((p) => (p.id === same.id ? preset : p)) : [...this.saved, preset],
    );
    return preset;
  }

  remove(id: string): void {
    this.#store(this.saved.filter((p) => p.id !== id));
  }

  #store(next: ExportPreset[]): void {
    try {
      globalThis.localStorage?.setItem(KEY, JSON.stringify(next));
    } catch {
      throw new LibraryError(
        'storage-failed',
        'The preset could not be saved: storage is full or off.',
      );
    }
    this.saved = next;
  }
}

export const exportPresets = new ExportPresets();
