/**
 * "Learn a look": fit a 3×4 colour matrix and tone curves that turn a *before* image into an
 * *after* image, by least squares on matched pixels (same position in both images).
 *
 * The model is the engine's own effects in stack order, `curve(clamp(M · [r g b 1]))` on sRGB
 * values in [0, 1], so what is learned is added to the stack as ordinary, editable effects:
 * - the matrix comes from the normal equations (4×4, one right-hand side per channel) with a
 *   tiny ridge towards the identity so a degenerate pair (a grey image) still gives a sane matrix;
 *   pixels clipped in the after image (0 or 255 in a channel) are left out, since clipping hides
 *   what the matrix did to them;
 * - each curve is a piecewise-linear least-squares fit on `CURVE_KNOTS` evenly spaced knots over
 *   the matrix's output, regularised towards the identity so empty ranges stay untouched.
 *   `sharedCurve: true` fits one curve for all three channels (what the engine's tone-curve
 *   effect applies); otherwise one per channel.
 * Quality is the mean CIEDE2000 between the after image and the fitted model applied to the
 * before image, computed with the engine's own curve table (monotone cubic through the knots).
 */
import { curveLut, CURVE_LUT_SIZE } from '../effects/curve';
import type { StackEffect } from '../effects/types';
import { deltaE2000, srgbToLab } from './colour';

export interface Pixels {
  width: number;
  height: number;
  /** RGBA8, row-major. */
  data: Uint8Array | Uint8ClampedArray;
}

/** Matched colour samples: `n` RGB triples in [0, 1] for each side. */
export interface Samples {
  before: Float64Array;
  after: Float64Array;
  n: number;
}

export const IDENTITY_MATRIX = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0];
export const CURVE_KNOTS = 9;
/** The engine's matrix param range. */
const MATRIX_RANGE = 4;

/**
 * Up to `max` matched samples taken on a regular stride.
 * @throws RangeError when the images differ in size or hold no pixels.
 */
export function matchedSamples(before: Pixels, after: Pixels, max = 40_000): Samples {
  if (before.width !== after.width || before.height !== after.height) {
    throw new RangeError(
      `The before and after images must have the same size (${before.width}×${before.height} vs ${after.width}×${after.height}).`,
    );
  }
  const total = before.width * before.height;
  if (total === 0) throw new RangeError('The images have no pixels.');
  const stride = Math.max(1, Math.floor(total / max));
  const n = Math.ceil(total / stride);
  const b = new Float64Array(n * 3);
  const a = new Float64Array(n * 3);
  for (let k = 0, p = 0; k < n; k++, p += stride) {
    for (let c = 0; c < 3; c++) {
      b[k * 3 + c] = before.data[p * 4 + c]! / 255;
      a[k * 3 + c] = after.data[p * 4 + c]! / 255;
    }
  }
  return { before: b, after: a, n };
}

/** Solves the small dense system `A x = y` (Gaussian elimination, partial pivoting). */
export function solve(A: number[][], y: number[]): number[] {
  const n = y.length;
  const m = A.map((row, i) => [...row, y[i]!]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) {
      if (Math.abs(m[r]![col]!) > Math.abs(m[pivot]![col]!)) pivot = r;
    }
    [m[col], m[pivot]] = [m[pivot]!, m[col]!];
    const p = m[col]![col]!;
    if (Math.abs(p) < 1e-300) throw new RangeError('The system is singular.');
    for (let r = col + 1; r < n; r++) {
      const factor = m[r]![col]! / p;
      if (factor === 0) continue;
      for (let k = col; k <= n; k++) m[r]![k]! -= factor * m[col]![k]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = m[r]![n]!;
    for (let k = r + 1; k < n; k++) s -= m[r]![k]! * x[k]!;
    x[r] = s / m[r]![r]!;
  }
  return x;
}

const CLIP_LOW = 0.5 / 255;
const CLIP_HIGH = 254.5 / 255;

/**
 * Least-squares 3×4 matrix (rows `[r g b offset]`) mapping `before` to `after`.
 * `ridge` pulls poorly determined directions towards the identity.
 */
export function fitMatrix(s: Samples, { ridge = 1e-7 }: { ridge?: number } = {}): number[] {
  const keep = new Uint8Array(s.n);
  let kept = 0;
  for (let k = 0; k < s.n; k++) {
    let ok = 1;
    for (let c = 0; c < 3; c++) {
      const v = s.after[k * 3 + c]!;
      if (v <= CLIP_LOW || v >= CLIP_HIGH) ok = 0;
    }
    keep[k] = ok;
    kept += ok;
  }
  // A look that clips most pixels: use them all rather than fit on a handful.
  if (kept < Math.max(16, s.n * 0.1)) keep.fill(1);
  const A = Array.from({ length: 4 }, () => new Array<number>(4).fill(0));
  const B = Array.from({ length: 3 }, () => new Array<number>(4).fill(0));
  let count = 0;
  for (let k = 0; k < s.n; k++) {
    if (!keep[k]) continue;
    count++;
    const x = [s.before[k * 3]!, s.before[k * 3 + 1]!, s.before[k * 3 + 2]!, 1];
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 4; j++) A[i]![j]! += x[i]! * x[j]!;
      for (let c = 0; c < 3; c++) B[c]![i]! += x[i]! * s.after[k * 3 + c]!;
    }
  }
  const lambda = ridge * Math.max(1, count);
  const out: number[] = [];
  for (let c = 0; c < 3; c++) {
    const prior = IDENTITY_MATRIX.slice(c * 4, c * 4 + 4);
    const Ar = A.map((row, i) => row.map((v, j) => v + (i === j ? lambda : 0)));
    const yr = B[c]!.map((v, i) => v + lambda * prior[i]!);
    out.push(...solve(Ar, yr));
  }
  return out.map((v) => Math.max(-MATRIX_RANGE, Math.min(MATRIX_RANGE, v)));
}

/** `clamp(M · [r g b 1])` for each sample, as the engine's matrix effect computes it. */
export function applyMatrix(rgb: Float64Array, m: number[]): Float64Array {
  const out = new Float64Array(rgb.length);
  for (let k = 0; k < rgb.length; k += 3) {
    const r = rgb[k]!;
    const g = rgb[k + 1]!;
    const b = rgb[k + 2]!;
    for (let c = 0; c < 3; c++) {
      const v = m[c * 4]! * r + m[c * 4 + 1]! * g + m[c * 4 + 2]! * b + m[c * 4 + 3]!;
      out[k + c] = Math.max(0, Math.min(1, v));
    }
  }
  return out;
}

/**
 * Piecewise-linear least squares: knot values `v` (at x = i/(K-1)) so that the interpolant maps
 * `xs` to `ys`; `ridge` pulls each knot towards the identity.
 */
function fitKnots(xs: number[], ys: number[], knots: number, ridge: number): number[] {
  const K = knots;
  const A = Array.from({ length: K }, () => new Array<number>(K).fill(0));
  const y = new Array<number>(K).fill(0);
  for (let i = 0; i < xs.length; i++) {
    const t = Math.max(0, Math.min(1, xs[i]!)) * (K - 1);
    const j = Math.min(K - 2, Math.floor(t));
    const w1 = t - j;
    const w0 = 1 - w1;
    A[j]![j]! += w0 * w0;
    A[j]![j + 1]! += w0 * w1;
    A[j + 1]![j]! += w0 * w1;
    A[j + 1]![j + 1]! += w1 * w1;
    y[j]! += w0 * ys[i]!;
    y[j + 1]! += w1 * ys[i]!;
  }
  const lambda = ridge * Math.max(1, xs.length / K);
  for (let j = 0; j < K; j++) {
    A[j]![j]! += lambda;
    y[j]! += lambda * (j / (K - 1));
  }
  return solve(A, y).map((v) => Math.max(0, Math.min(1, v)));
}

/** Knot values → the engine's curve param `[x0, y0, x1, y1, …]`. */
export function knotsToPoints(values: number[]): number[] {
  return values.flatMap((v, i) => [i / (values.length - 1), v]);
}

/** Applies a curve param through the engine's lookup table (linear between its entries). */
export function applyCurve(values: Float64Array, points: number[][]): Float64Array {
  const luts = points.map((p) => curveLut(p));
  const out = new Float64Array(values.length);
  for (let k = 0; k < values.length; k++) {
    const lut = luts[luts.length === 1 ? 0 : k % 3]!;
    const t = Math.max(0, Math.min(1, values[k]!)) * (CURVE_LUT_SIZE - 1);
    const i0 = Math.min(Math.floor(t), CURVE_LUT_SIZE - 2);
    const fr = t - i0;
    out[k] = lut[i0]! + (lut[i0 + 1]! - lut[i0]!) * fr;
  }
  return out;
}

/** Mean CIEDE2000 between two lists of sRGB triples. */
export function meanDeltaE(a: Float64Array, b: Float64Array): number {
  const n = a.length / 3;
  if (n === 0) return 0;
  let sum = 0;
  for (let k = 0; k < a.length; k += 3) {
    sum += deltaE2000(
      srgbToLab(a[k]!, a[k + 1]!, a[k + 2]!),
      srgbToLab(b[k]!, b[k + 1]!, b[k + 2]!),
    );
  }
  return sum / n;
}

export interface LookFit {
  /** 3×4, rows `[r g b offset]`. */
  matrix: number[];
  /** Curve params `[x0, y0, …]`: one (shared) or three (r, g, b); empty when the identity fits. */
  curves: number[][];
  /** Mean ΔE00 between the after image and the fitted look applied to the before image. */
  meanDeltaE: number;
  /** Mean ΔE00 between the before and after images as they are (what the fit started from). */
  meanDeltaEBefore: number;
  samples: number;
}

export interface FitOptions {
  /** One curve for all channels (the engine's tone-curve effect) instead of one per channel. */
  sharedCurve?: boolean;
  knots?: number;
  /** At most this many samples go into ΔE (it is the slow part). */
  deltaESamples?: number;
}

function subsample(rgb: Float64Array, n: number, max: number): Float64Array {
  if (n <= max) return rgb;
  const stride = n / max;
  const out = new Float64Array(max * 3);
  for (let k = 0; k < max; k++)
    out.set(rgb.subarray(Math.floor(k * stride) * 3, Math.floor(k * stride) * 3 + 3), k * 3);
  return out;
}

/** Fits matrix then curves on `s` and measures the fit. */
export function fitLook(s: Samples, options: FitOptions = {}): LookFit {
  const knots = options.knots ?? CURVE_KNOTS;
  const matrix = fitMatrix(s);
  const mapped = applyMatrix(s.before, matrix);
  const channels = options.sharedCurve ? [[0, 1, 2]] : [[0], [1], [2]];
  let curves = channels.map((chs) => {
    const xs: number[] = [];
    const ys: number[] = [];
    for (let k = 0; k < s.n; k++) {
      for (const c of chs) {
        xs.push(mapped[k * 3 + c]!);
        ys.push(s.after[k * 3 + c]!);
      }
    }
    return knotsToPoints(fitKnots(xs, ys, knots, 1e-3));
  });
  const identity = curves.every((p) =>
    p.every((v, i) => i % 2 === 0 || Math.abs(v - p[i - 1]!) < 0.5 / 255),
  );
  if (identity) curves = [];
  const max = options.deltaESamples ?? 4000;
  const after = subsample(s.after, s.n, max);
  const before = subsample(s.before, s.n, max);
  const fitted = curves.length
    ? applyCurve(applyMatrix(before, matrix), curves)
    : applyMatrix(before, matrix);
  return {
    matrix,
    curves,
    meanDeltaE: meanDeltaE(fitted, after),
    meanDeltaEBefore: meanDeltaE(before, after),
    samples: s.n,
  };
}

/**
 * The fitted look as ordinary stack layers: the engine's `matrix` effect, then one `curve`
 * layer when the curve is not the identity. Per-channel curves need an engine curve with one
 * table per channel; until it has one, fit with `sharedCurve: true`.
 */
export function lookLayers(fit: LookFit, newId: () => string): StackEffect[] {
  const layers: StackEffect[] = [
    { id: newId(), effectId: 'matrix', enabled: true, params: { matrix: [...fit.matrix] } },
  ];
  for (const points of fit.curves) {
    layers.push({ id: newId(), effectId: 'curve', enabled: true, params: { points: [...points] } });
  }
  return layers;
}
