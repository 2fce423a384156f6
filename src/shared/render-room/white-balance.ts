/**
 * The white balance picker: from a point the artist says should be neutral (a grey card, a white
 * wall), the Temperature & tint settings that make it neutral. Temperature multiplies red by
 * 2^(0.3 t) and blue by 2^(−0.3 t), tint green by 2^(−0.3 k), in linear light (see
 * effects/point-effects); with the point's linear averages r, g, b in log2:
 *   t = (log b − log r) / 0.6,  k = (log g − (log r + log b)/2) / 0.3,
 * which makes the three equal. The sliders stop at ±3: a stronger cast is corrected as far as
 * they go, and says so.
 */
import { srgbToLinear } from './colour';

export interface Pixels {
  width: number;
  height: number;
  data: ArrayLike<number>;
}

export type WhiteBalance =
  | { ok: true; temperature: number; tint: number; reached: boolean }
  | { ok: false; reason: 'too-dark' | 'clipped' | 'outside' };

/** Temperature & tint's reach on each side. */
const STOPS = 0.3;
const round = (v: number) => Math.round(v * 100) / 100;
/** The sliders' reach (Temperature & tint go from −3 to 3). */
const REACH = 3;
const clampReach = (v: number) => Math.min(REACH, Math.max(-REACH, v));

/**
 * The settings that neutralise the average of the (2·radius + 1)² pixels around (x, y).
 * `x`, `y` are pixel coordinates in `image` (fractions of a pixel are floored).
 */
export function whiteBalanceAt(image: Pixels, x: number, y: number, radius = 2): WhiteBalance {
  const cx = Math.floor(x);
  const cy = Math.floor(y);
  if (cx < 0 || cy < 0 || cx >= image.width || cy >= image.height) {
    return { ok: false, reason: 'outside' };
  }
  const sum = [0, 0, 0];
  let n = 0;
  let clipped = 0;
  for (let yy = Math.max(0, cy - radius); yy <= Math.min(image.height - 1, cy + radius); yy++) {
    for (let xx = Math.max(0, cx - radius); xx <= Math.min(image.width - 1, cx + radius); xx++) {
      const i = (yy * image.width + xx) * 4;
      let over = false;
      for (let c = 0; c < 3; c++) {
        const v = image.data[i + c]!;
        if (v >= 254) over = true;
        sum[c] += srgbToLinear(v / 255);
      }
      if (over) clipped++;
      n++;
    }
  }
  if (clipped > n / 2) return { ok: false, reason: 'clipped' };
  const [r, g, b] = sum.map((s) => s / n) as [number, number, number];
  if (Math.min(r, g, b) < 0.004) return { ok: false, reason: 'too-dark' };
  const t = (Math.log2(b) - Math.log2(r)) / (2 * STOPS);
  const k = (Math.log2(g) - (Math.log2(r) + Math.log2(b)) / 2) / STOPS;
  const temperature = round(clampReach(t));
  const tint = round(clampReach(k));
  return { ok: true, temperature, tint, reached: Math.abs(t) <= REACH && Math.abs(k) <= REACH };
}

/** What the picker says when it cannot use a point, in the artist's words. */
export function whiteBalanceProblem(reason: 'too-dark' | 'clipped' | 'outside'): string {
  switch (reason) {
    case 'too-dark':
      return 'That point is too dark to judge its colour. Pick something light grey or white.';
    case 'clipped':
      return 'That point is blown out (pure white), so its colour cannot be read. Pick a light grey that still has detail.';
    case 'outside':
      return 'Pick a point on the image.';
  }
}
