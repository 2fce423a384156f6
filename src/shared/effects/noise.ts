/**
 * Denoise's noise level: the Auto estimate, the named strengths and their words.
 *
 * σ is the noise's standard deviation as a fraction of full range (σ₂₅₅ / 255). The Auto estimate
 * is the one the models' trainer uses (models/train/common.py `estimate_sigma`), so the network
 * sees at inference the σ it was trained to expect: per channel c of the sRGB image in [0, 1],
 * over the 2×2 blocks (a b / c d) whose origin is even, HH = (a − b − c + d) / 2 (the finest
 * diagonal wavelet band, where a photograph has little signal and white noise keeps σ);
 * σ̂_c = median(|HH|) / 0.6745 (the median absolute deviation of a normal variable); σ̂ = the mean
 * of the three. The median is the lower middle value, as torch.median takes it.
 *
 * A network with a `sigma` input (models/manifest.json, role `noise-level`) is fed σ. One without
 * (the first denoiser) cannot be told the level, so σ sets how much of its output is mixed in
 * (`mixForSigma`): nothing on a clean photo, all of it from medium noise up.
 */

/** The strength control's values: Auto (estimated), then fixed levels. */
export const NOISE_LEVELS = ['auto', 'light', 'medium', 'strong'] as const;
export type NoiseLevel = (typeof NOISE_LEVELS)[number];

/** What each choice is called in the Render room. */
export const NOISE_LEVEL_LABELS: Record<NoiseLevel, string> = {
  auto: 'Auto',
  light: 'Light',
  medium: 'Medium',
  strong: 'Strong',
};

/** σ (fraction of full range) of the fixed levels, for the full-size image. */
export const LEVEL_SIGMA: Record<Exclude<NoiseLevel, 'auto'>, number> = {
  light: 5 / 255,
  medium: 15 / 255,
  strong: 30 / 255,
};

/** The level stored in a stack: an index into NOISE_LEVELS (0 = Auto). */
export function noiseLevelAt(index: number): NoiseLevel {
  return NOISE_LEVELS[Math.round(index)] ?? 'auto';
}

/**
 * Estimates the noise σ of an RGBA8 image (alpha ignored), as a fraction of full range: see the
 * purpose block. Images under 2×2 give 0.
 */
export function estimateSigma(image: {
  width: number;
  height: number;
  data: Uint8Array | Uint8ClampedArray;
}): number {
  const { width, height, data } = image;
  const bw = width >> 1;
  const bh = height >> 1;
  const n = bw * bh;
  if (n === 0) return 0;
  // |a − b − c + d| is an integer in [0, 1020]: the median by a histogram, exact and O(n).
  const hist = [new Uint32Array(1021), new Uint32Array(1021), new Uint32Array(1021)];
  const row = width * 4;
  for (let by = 0; by < bh; by++) {
    let i = 2 * by * row;
    for (let bx = 0; bx < bw; bx++, i += 8) {
      for (let c = 0; c < 3; c++) {
        const k = data[i + c]! - data[i + 4 + c]! - data[i + row + c]! + data[i + row + 4 + c]!;
        hist[c]![k < 0 ? -k : k]!++;
      }
    }
  }
  const rank = (n - 1) >> 1; // the lower middle value (torch.median)
  let sum = 0;
  for (const h of hist) {
    let seen = 0;
    let k = 0;
    while (seen + h[k]! <= rank) seen += h[k++]!;
    sum += k / 510 / 0.6745;
  }
  return sum / 3;
}

/**
 * σ₂₅₅ below which a photograph counts as clean: 8-bit rounding alone gives ≈ 0.3, and the fine
 * texture of a clean photo ≈ 2 (test/fixtures/render/clean-photo: 2.2).
 */
const CLEAN_255 = 3;
const LIGHT_255 = 8;
const MEDIUM_255 = 20;

/** The noise σ found, in a person's words. */
export function describeNoise(sigma: number): string {
  const s = sigma * 255;
  if (s < CLEAN_255) return 'no noise found';
  if (s < LIGHT_255) return 'light noise found';
  if (s < MEDIUM_255) return 'medium noise found';
  return 'strong noise found';
}

/**
 * For a denoiser without a σ input: how much of its output to mix in at noise σ — none up to
 * σ₂₅₅ 3 (a clean photo keeps its detail), all of it from σ₂₅₅ 13, linear in between.
 */
export function mixForSigma(sigma: number): number {
  const s = sigma * 255;
  return Math.min(1, Math.max(0, (s - CLEAN_255) / 10));
}

/**
 * σ for a fixed level in an image at `scale` of the full size (a preview): area-downscaling by
 * k averages k² samples, so white noise drops to σ / k.
 */
export function levelSigma(level: Exclude<NoiseLevel, 'auto'>, scale = 1): number {
  return LEVEL_SIGMA[level] * Math.min(1, scale);
}
