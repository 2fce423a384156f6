/** Pixel comparisons shared by the render tests. */
import { expect } from 'vitest';

/** The largest per-byte difference between two equally long pixel arrays (fails if lengths differ). */
export function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** PSNR (dB) of the RGB channels of `a` against `b`, two RGBA8 arrays (Infinity when equal). */
export function psnr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    if (i % 4 === 3) continue;
    sum += (a[i]! - b[i]!) ** 2;
    n++;
  }
  return sum === 0 ? Infinity : 10 * Math.log10((255 * 255 * n) / sum);
}

/** An RGBA8 image with Gaussian noise of σ₂₅₅ `sigma` on its colours (a fixed seed), clipped and rounded. */
export function withNoise<T extends { data: ArrayLike<number> }>(
  image: T,
  sigma: number,
): T & { data: Uint8Array } {
  let s = 20261207;
  const u = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 0.5) / 2 ** 32;
  const data = new Uint8Array(image.data);
  for (let i = 0; i < data.length; i += 4) {
    for (let c = 0; c < 3; c++) {
      const n = sigma * Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
      data[i + c] = Math.round(Math.min(255, Math.max(0, image.data[i + c]! + n)));
    }
  }
  return { ...image, data };
}
