/**
 * A version of a work in plain words: "Rendered 3 Dec, 14:02 · 902 × 600 · Denoise, Upscale 2× ·
 * on the CPU" for the Library's list, and the technical record (engine, backend, timings, model
 * versions) as one line for its "Details". Dates are in the artist's locale (the browser's unless
 * a locale is given); effect and backend names come from ../studio/names.
 */
import { backendPhrase, effectName } from '../studio/names';

/** What the words are made of (a stored Version has all of it). */
export interface VersionFacts {
  createdAt: number;
  width: number;
  height: number;
  label?: string;
  stack: unknown;
  engine: Record<string, string>;
}

export interface WordsOptions {
  /** BCP 47 locale(s); the browser's when absent. */
  locale?: string | string[];
  /** "Now", to leave the year out of dates in the current year. */
  now?: number;
  /** IANA time zone (tests); the device's when absent. */
  timeZone?: string;
}

/** "3 Dec, 14:02" (en-GB), "Dec 3, 2:02 PM" (en-US); the year is added outside the current one. */
export function versionDate(ms: number, options: WordsOptions = {}): string {
  const { locale, now = Date.now(), timeZone } = options;
  const zone = timeZone ? { timeZone } : {};
  const yearOf = (t: number) =>
    new Intl.DateTimeFormat('en', { year: 'numeric', ...zone }).format(new Date(t));
  return new Intl.DateTimeFormat(locale, {
    day: 'numeric',
    month: 'short',
    ...(yearOf(ms) === yearOf(now) ? {} : { year: 'numeric' }),
    hour: 'numeric',
    minute: '2-digit',
    ...zone,
  }).format(new Date(ms));
}

/** The names of the stack's enabled effects, in order, each once ("Denoise, Upscale 2×"). */
export function stackWords(stack: unknown): string {
  const effects = (stack as { effects?: unknown } | null)?.effects;
  const names: string[] = [];
  if (Array.isArray(effects)) {
    for (const e of effects as { effectId?: unknown; enabled?: unknown }[]) {
      if (typeof e?.effectId !== 'string' || e.enabled === false) continue;
      const name = effectName(e.effectId);
      if (!names.includes(name)) names.push(name);
    }
  }
  return names.length ? names.join(', ') : 'No effects';
}

/** True when a version's label only repeats what the line says ("Rendered …"). */
export function isPlainLabel(label: string | undefined): boolean {
  return !label || /^rendered\b/i.test(label.trim()) || label === 'Version';
}

/** "Rendered 3 Dec, 14:02 · 902 × 600 · Denoise, Upscale 2× · on the CPU". */
export function versionLine(version: VersionFacts, options: WordsOptions = {}): string {
  const parts = [
    `Rendered ${versionDate(version.createdAt, options)}`,
    `${version.width} × ${version.height}`,
    stackWords(version.stack),
  ];
  const backend = version.engine.backend;
  if (backend) parts.push(backendPhrase(backend));
  return parts.join(' · ');
}

/** Known record keys, in reading order, with the words before their value. */
const DETAIL_KEYS: readonly (readonly [string, (v: string) => string])[] = [
  ['engine', (v) => `engine ${v}`],
  ['backend', (v) => `backend ${v}`],
  ['adapter', (v) => `adapter ${v}`],
  ['ms', (v) => `${v} ms`],
  ['tiles', (v) => `${v} ${v === '1' ? 'tile' : 'tiles'}`],
  ['base', (v) => `from ${v}`],
  ['models', (v) => `models ${v.split(',').join(', ')}`],
];

/**
 * The technical record as one line for "Details": "engine atelier-render/1 · backend wasm ·
 * 2080 ms · 4 tiles · from original · models denoise@78ffa9990d7d, upscale2x@de69e3388f11".
 * Empty values are left out; unknown keys follow as `key value`.
 */
export function versionDetails(version: Pick<VersionFacts, 'engine'>): string {
  const engine = version.engine;
  const known = new Set(DETAIL_KEYS.map(([k]) => k));
  const parts = DETAIL_KEYS.filter(([k]) => engine[k]).map(([k, say]) => say(engine[k]!));
  for (const [k, v] of Object.entries(engine)) {
    if (!known.has(k) && v) parts.push(`${k} ${v}`);
  }
  return parts.join(' · ');
}
