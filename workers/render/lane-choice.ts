/**
 * Side by side or one lane: the CPU path's lanes (./lanes) pay on a quiet machine (two cores
 * render a 1 MP stack ~1.4× faster than one), but beside another busy process the bands, halos and
 * messages cost more than they give (~0.85×: render.bench's "all cores vs 1 [busy]"). So each
 * render that could be cut into bands takes whichever way has rendered faster lately (ms per
 * megapixel, a moving average per way), and every `explore`-th render tries the other, so a change
 * in the machine's load shows within a few renders. The first render each way only starts its
 * average (it pays for compiling and starting up) and the next replaces it.
 */
export class LaneChoice {
  readonly #explore: number;
  /** ms per MP, side by side [0] and one lane [1]; null until measured. */
  readonly #cost: [number | null, number | null] = [null, null];
  readonly #seen = [0, 0];
  #renders = 0;

  constructor(explore = 8) {
    this.#explore = Math.max(2, explore);
  }

  /** Whether this render goes side by side (else on one lane). */
  sideBySide(): boolean {
    const n = this.#renders++;
    const [lanes, one] = this.#cost;
    // Each way twice first (the first of each is a warm-up), alternating.
    if (this.#seen[0]! < 2 || this.#seen[1]! < 2) return this.#seen[0]! <= this.#seen[1]!;
    const best = lanes! <= one!;
    return n % this.#explore === 0 ? !best : best;
  }

  /** A render took `ms` for `pixels` pixels, side by side or not. */
  record(sideBySide: boolean, ms: number, pixels: number): void {
    const k = sideBySide ? 0 : 1;
    const perMp = ms / Math.max(1e-6, pixels / 1e6);
    const old = this.#cost[k];
    this.#seen[k]! += 1;
    this.#cost[k] = old === null || this.#seen[k]! <= 2 ? perMp : 0.7 * old + 0.3 * perMp;
  }

  /** The averages so far, ms per MP (Details, tests). */
  get costs(): { sideBySide: number | null; oneLane: number | null } {
    return { sideBySide: this.#cost[0], oneLane: this.#cost[1] };
  }
}
