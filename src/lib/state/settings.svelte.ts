/**
 * The person's studio settings, kept in localStorage (small, synchronous, read before first paint).
 */
import type { BackendPreference } from '../../shared/compute/backend';

const STORAGE_KEY = 'atelier.settings.v1';
const PREFERENCES: readonly BackendPreference[] = ['auto', 'webgpu', 'wasm'];

interface Stored {
  backend?: unknown;
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

class Settings {
  backend = $state<BackendPreference>('auto');

  constructor() {
    const stored = load();
    if (isBackendPreference(stored.backend)) this.backend = stored.backend;
  }

  setBackend(value: BackendPreference): void {
    this.backend = value;
    this.#save();
  }

  #save(): void {
    try {
      globalThis.localStorage?.setItem(STORAGE_KEY, JSON.stringify({ backend: this.backend }));
    } catch {
      // Storage may be full or disabled; the setting still applies for this session.
    }
  }
}

export const settings = new Settings();
export { PREFERENCES as BACKEND_PREFERENCES };
