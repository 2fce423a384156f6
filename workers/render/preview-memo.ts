/**
 * The preview memo: the output of a stack's *neural prefix* (every stage up to its last network:
 * Denoise, Upscale 2×, and the effects before them), kept so that a preview that changes only
 * the effects after the last network (a slider) starts from it instead of re-running the
 * network. Entries are keyed by the prefix's description (its stages with their structure and
 * uniforms, and the input's size) and the input's own bytes (compared in full: a new work, or the
 * same work changed, never hits). The most recently used few are kept, within a byte budget.
 * Outputs are copied in and out (a render's buffer is transferred to the caller, a resident one
 * is released by the render): pixels by `slice`, a resident image (the GPU path's) by `clone`;
 * without `clone`, resident outputs are not kept.
 */
import type { RgbaImage } from './image';
import type { Resident } from './pipeline';

/** Entries kept: a few neural settings to go back and forth between. */
export const PREVIEW_MEMO_ENTRIES = 4;
/** Bytes kept (inputs and outputs): 1 MP previews with a 4 MP upscale fit a few. */
export const PREVIEW_MEMO_BYTES = 96 << 20;

interface Entry<R> {
  key: string;
  input: Uint8Array;
  out: RgbaImage | R;
  /** σ found per layer id in the prefix (Auto denoise), reported again on a hit. */
  noise: Record<string, number>;
  bytes: number;
}

export class PreviewMemo<R extends Resident = never> {
  #entries: Entry<R>[] = [];
  readonly #clone: ((image: R) => R) | undefined;
  readonly #maxEntries: number;
  readonly #maxBytes: number;
  /** Prefixes served from the memo, and stored into it (tests and the worker's counters). */
  hits = 0;
  stores = 0;

  constructor(options: { clone?: (image: R) => R; maxEntries?: number; maxBytes?: number } = {}) {
    this.#clone = options.clone;
    this.#maxEntries = options.maxEntries ?? PREVIEW_MEMO_ENTRIES;
    this.#maxBytes = options.maxBytes ?? PREVIEW_MEMO_BYTES;
  }

  /** Bytes held now. */
  get bytes(): number {
    return this.#entries.reduce((n, e) => n + e.bytes, 0);
  }

  get size(): number {
    return this.#entries.length;
  }

  /**
   * The kept output for `key` from this very `input`, as a copy the caller owns; `pixels`: only
   * pixels will do (the prefix is the whole stack). Null on a miss.
   */
  get(
    key: string,
    input: Uint8Array | Uint8ClampedArray,
    pixels: boolean,
  ): { image: RgbaImage | R; noise: Record<string, number> } | null {
    const at = this.#entries.findIndex((e) => e.key === key && equalBytes(e.input, input));
    if (at < 0) return null;
    const entry = this.#entries[at]!;
    const isPixels = 'data' in entry.out;
    if (!isPixels && (pixels || !this.#clone)) return null;
    this.#entries.splice(at, 1);
    this.#entries.push(entry);
    this.hits++;
    const out = entry.out;
    const image: RgbaImage | R =
      'data' in out
        ? { width: out.width, height: out.height, data: out.data.slice() }
        : this.#clone!(out);
    return { image, noise: { ...entry.noise } };
  }

  /** Keeps a copy of `out` for `key` from `input` (the oldest entries make room). */
  put(
    key: string,
    input: Uint8Array | Uint8ClampedArray,
    out: RgbaImage | R,
    noise: Record<string, number>,
  ): void {
    const isPixels = 'data' in out;
    if (!isPixels && !this.#clone) return;
    const bytes = input.length + out.width * out.height * 4;
    if (bytes > this.#maxBytes) return;
    this.#drop((e) => e.key === key && equalBytes(e.input, input));
    const copy: RgbaImage | R =
      'data' in out
        ? { width: out.width, height: out.height, data: out.data.slice() }
        : this.#clone!(out);
    this.#entries.push({
      key,
      input: Uint8Array.from(input),
      out: copy,
      noise: { ...noise },
      bytes,
    });
    this.stores++;
    while (this.#entries.length > this.#maxEntries || this.bytes > this.#maxBytes) {
      this.#release(this.#entries.shift()!);
    }
  }

  /** Forgets everything (and releases what is resident). */
  clear(): void {
    this.#drop(() => true);
  }

  #drop(match: (e: Entry<R>) => boolean): void {
    const keep: Entry<R>[] = [];
    for (const e of this.#entries) {
      if (match(e)) this.#release(e);
      else keep.push(e);
    }
    this.#entries = keep;
  }

  #release(entry: Entry<R>): void {
    if (!('data' in entry.out)) entry.out.release();
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array | Uint8ClampedArray): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
