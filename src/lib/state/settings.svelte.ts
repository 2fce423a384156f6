/**
 * The person's studio settings, kept in localStorage (small, synchronous, read before first paint).
 */
import type { BackendPreference } from '../../shared/compute/backend';

const STORAGE_KEY = 'atelier.settings.v1';
const PREFERENCES: readonly BackendPreference[] = ['auto', 'webgpu', 'wasm'];

/** The studio's theme (src/theme.css): a neutral dark-grey workspace, or light. */
export type Theme = 'dark' | 'light';
export const THEMES: readonly Theme[] = ['dark', 'light'];

interface Stored {
  backend?: unknown;
  theme?: unknown;
}

function load(): Stored {
  try {
    const raw = globalThis.localStorage?.getItem(STORAGE_KEY);
    return raw ? (JSON.parse(raw) as Stored) : {};
  } catch {
    return {};
  }
}

export function isBackendPreference(value: unknown): value is BackendPreference {
  return typeof value === 'string' && (PREFERENCES as readonly string[]).includes(value);
}

export function isTheme(value: unknown): value is Theme {
  return typeof value === 'string' && (THEMES as readonly string[]).includes(value);
}

/** Puts the theme on `<html data-theme>`, where src/theme.css reads it (no DOM: nothing). */
function applyTheme(theme: Theme): void {
  const root = globalThis.document?.documentElement;
  if (root) root.dataset.theme = theme;
}

class Settings {
  backend = $state<BackendPreference>('auto');
  theme = $state<Theme>('dark');

  constructor() {
    const stored = load();
    if (isBackendPreference(stored.backend)) this.backend = stored.backend;
    if (isTheme(stored.theme)) this.theme = stored.theme;
    applyTheme(this.theme);
  }

  setTheme(value: Theme): void {
    this.theme = value;
    applyTheme(value);
    this.#save();
  }

  setBackend(value: BackendPreference): void {
    this.backend = value;
    this.#save();
  }

  #save(): void {
    try {
      globalThis.localStorage?.setItem(
        STORAGE_KEY,
        JSON.stringify({ backend: this.backend, theme: this.theme }),
      );
    } catch {
      // Storage may be full or disabled; the setting still applies for this session.
    }
  }
}

export const settings = new Settings();
export { PREFERENCES as BACKEND_PREFERENCES };
