/**
 * The Render room's histogram: 256 bins each for red, green, blue and luma (Rec. 709 weights on
 * the 8-bit values, rounded), and how many pixels clip: a channel at 255 (highlights lost) or at
 * 0 (shadows lost). Plain arrays of counts, no DOM: the room draws them, tests compare them with
 * the same sums done in Node.
 */

export interface Histogram {
  r: number[];
  g: number[];
  b: number[];
  luma: number[];
  /** Pixels counted (width × height). */
  total: number;
  /** Pixels with a channel at 255. */
  clippedHigh: number;
  /** Pixels with a channel at 0. */
  clippedLow: number;
}

/** The luma bin of one pixel (Rec. 709, 0–255). */
export function lumaOf(r: number, g: number, b: number): number {
  return Math.round(0.2126 * r + 0.7152 * g + 0.0722 * b);
}

/** Counts the RGBA pixels `data` (alpha ignored). */
export function histogram(data: ArrayLike<number>): Histogram {
  const r = new Array<number>(256).fill(0);
  const g = new Array<number>(256).fill(0);
  const b = new Array<number>(256).fill(0);
  const luma = new Array<number>(256).fill(0);
  let clippedHigh = 0;
  let clippedLow = 0;
  const total = Math.floor(data.length / 4);
  for (let i = 0; i < total * 4; i += 4) {
    const R = data[i]!;
    const G = data[i + 1]!;
    const B = data[i + 2]!;
    r[R]! += 1;
    g[G]! += 1;
    b[B]! += 1;
    luma[lumaOf(R, G, B)]! += 1;
    if (R === 255 || G === 255 || B === 255) clippedHigh += 1;
    if (R === 0 || G === 0 || B === 0) clippedLow += 1;
  }
  return { r, g, b, luma, total, clippedHigh, clippedLow };
}

/**
 * An RGBA overlay marking clipped pixels: highlights in `high`, shadows in `low` (a pixel with
 * both shows as highlight), transparent elsewhere.
 */
export function clippingOverlay(
  data: ArrayLike<number>,
  high: readonly [number, number, number],
  low: readonly [number, number, number],
): Uint8ClampedArray<ArrayBuffer> {
  const out = new Uint8ClampedArray(data.length);
  for (let i = 0; i + 3 < data.length; i += 4) {
    const R = data[i]!;
    const G = data[i + 1]!;
    const B = data[i + 2]!;
    const colour =
      R === 255 || G === 255 || B === 255 ? high : R === 0 || G === 0 || B === 0 ? low : null;
    if (!colour) continue;
    out[i] = colour[0];
    out[i + 1] = colour[1];
    out[i + 2] = colour[2];
    out[i + 3] = 255;
  }
  return out;
}

/** How much of the image clips, in words: null when nothing does. */
export function clippingWords(
  count: number,
  total: number,
  what: 'highlights' | 'shadows',
): string | null {
  if (count === 0 || total === 0) return null;
  const share = (count / total) * 100;
  const amount =
    share < 0.1 ? 'under 0.1' : share < 10 ? share.toFixed(1) : Math.round(share).toString();
  return `${what === 'highlights' ? 'Highlights' : 'Shadows'} clipped in ${amount} % of the image`;
}
