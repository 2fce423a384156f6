/**
 * Side by side or one lane: the CPU path's lanes (./lanes) pay on a quiet machine (two cores
 * render a 1 MP stack ~1.4× faster than one), but beside another busy process the bands, halos and
 * messages cost more than they give (~0.85×: render.bench's "all cores vs 1 [busy]"). So each
 * render that could be cut into bands takes whichever way has rendered faster lately (ms per
 * megapixel: the median of each way's last `WINDOW` renders, so that one render slowed by
 * something else does not turn the choice), and every `explore`-th render tries the other, so a
 * change in the machine's load shows within a few renders. The first render each way is left out
 * (it pays for compiling and starting up). A try of the way not taken that beats the way taken
 * replaces that way's figures (they are out of date: in the Room the lanes were still warming up
 * when they were measured, and at one try in eight a window of five took 40 renders to refresh).
 */
const WINDOW = 5;

/** The median of a few numbers. */
function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export class LaneChoice {
  readonly #explore: number;
  /** The last renders' ms per MP, side by side [0] and one lane [1] (each way's first left out). */
  readonly #recent: [number[], number[]] = [[], []];
  readonly #seen = [0, 0];
  #renders = 0;

  constructor(explore = 8) {
    this.#explore = Math.max(2, explore);
  }

  /** Whether this render goes side by side (else on one lane). */
  sideBySide(): boolean {
    const n = this.#renders++;
    // Each way twice first (the first of each is a warm-up), alternating.
    if (this.#seen[0]! < 2 || this.#seen[1]! < 2) return this.#seen[0]! <= this.#seen[1]!;
    const best = median(this.#recent[0]) <= median(this.#recent[1]);
    return n % this.#explore === 0 ? !best : best;
  }

  /** A render took `ms` for `pixels` pixels, side by side or not. */
  record(sideBySide: boolean, ms: number, pixels: number): void {
    const k = sideBySide ? 0 : 1;
    this.#seen[k]! += 1;
    if (this.#seen[k] === 1) return;
    const recent = this.#recent[k];
    const cost = ms / Math.max(1e-6, pixels / 1e6);
    const taken = this.#recent[1 - k]!;
    if (recent.length && taken.length && median(recent) > median(taken) && cost < median(taken)) {
      recent.length = 0;
    }
    recent.push(cost);
    if (recent.length > WINDOW) recent.shift();
  }

  /** Each way's median of late, ms per MP; null until measured (Details, tests). */
  get costs(): { sideBySide: number | null; oneLane: number | null } {
    const [lanes, one] = this.#recent;
    return {
      sideBySide: lanes.length ? median(lanes) : null,
      oneLane: one.length ? median(one) : null,
    };
  }
}
