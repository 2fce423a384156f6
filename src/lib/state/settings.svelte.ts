/**
 * The person's studio settings, kept in localStorage (small, synchronous, read before first paint).
 */
import type { BackendPreference } from '../../shared/compute/backend';
import { isTrainingChoice, type TrainingChoice } from '../../shared/provenance/manifest';
import { networkById, type NetworkChoice } from '../wallet/networks';
import { loadStored, saveStored } from './stored';

const STORAGE_KEY = 'atelier.settings.v1';
const PREFERENCES: readonly BackendPreference[] = ['auto', 'webgpu', 'wasm'];

/** The studio's theme (src/theme.css): a neutral dark-grey workspace, or light. */
export type Theme = 'dark' | 'light';
export const THEMES: readonly Theme[] = ['dark', 'light'];

export function isBackendPreference(value: unknown): value is BackendPreference {
  return typeof value === 'string' && (PREFERENCES as readonly string[]).includes(value);
}

/** A stored network choice this build still lists (else: follow the wallet). */
export function isNetworkChoice(value: unknown): value is NetworkChoice {
  return value === 'wallet' || (typeof value === 'number' && networkById(value) !== undefined);
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
  /** Which network registrations are signed for: the wallet's current one, or a chain id. */
  network = $state<NetworkChoice>('wallet');
  /** What every export's Content Credentials say about AI training and data mining. */
  training = $state<TrainingChoice>('notAllowed');
  theme = $state<Theme>('dark');

  constructor() {
    const stored = loadStored(STORAGE_KEY);
    if (isBackendPreference(stored.backend)) this.backend = stored.backend;
    if (isNetworkChoice(stored.network)) this.network = stored.network;
    if (isTrainingChoice(stored.training)) this.training = stored.training;
    if (isTheme(stored.theme)) this.theme = stored.theme;
    applyTheme(this.theme);
  }

  setTheme(value: Theme): void {
    this.theme = value;
    applyTheme(value);
    this.#save();
  }

  setTraining(value: TrainingChoice): void {
    this.training = value;
    this.#save();
  }

  setNetwork(value: NetworkChoice): void {
    this.network = value;
    this.#save();
  }

  setBackend(value: BackendPreference): void {
    this.backend = value;
    this.#save();
  }

  #save(): void {
    saveStored(STORAGE_KEY, {
      backend: this.backend,
      network: this.network,
      training: this.training,
      theme: this.theme,
    });
  }
}

export const settings = new Settings();
export { PREFERENCES as BACKEND_PREFERENCES };
