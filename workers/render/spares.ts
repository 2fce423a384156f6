import { isWholeBuffer } from '../../src/shared/compute/shared-pixels';

/**
 * Spare pixel buffers: results already used (a tile pasted into its image), kept for the next
 * render's results of the same size to be written into. Memory that was never written costs
 * page faults at its first write — in Chromium here ~14 ms for a fresh 4 MB buffer against
 * ~0.1 ms for one written before — and a slider's renders produce the same sizes over and over.
 */

/** Buffers kept per size, and bytes in all. */
const PER_SIZE = 4;
const MAX_BYTES = 64 << 20;

export class Spares {
  readonly #bySize = new Map<number, Uint8Array[]>();
  #bytes = 0;

  /** Bytes held now (tests). */
  get bytes(): number {
    return this.#bytes;
  }

  /** A spare of exactly `bytes` bytes (now the caller's), or undefined. */
  take(bytes: number): Uint8Array | undefined {
    const list = this.#bySize.get(bytes);
    const spare = list?.pop();
    if (spare) this.#bytes -= bytes;
    return spare;
  }

  /**
   * Keeps `buffer` (the caller is done with it) when it is a whole, unshared ArrayBuffer that
   * fits: views into other memory (a WebAssembly heap, shared pixels) are never kept.
   */
  give(buffer: Uint8Array): void {
    const bytes = buffer.byteLength;
    if (!isWholeBuffer(buffer) || this.#bytes + bytes > MAX_BYTES) return;
    const list = this.#bySize.get(bytes) ?? [];
    if (list.length >= PER_SIZE || list.includes(buffer)) return;
    list.push(buffer);
    this.#bySize.set(bytes, list);
    this.#bytes += bytes;
  }
}
