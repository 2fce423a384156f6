/** Denoise's Auto noise estimate and its words. */
import { describe, expect, it } from 'vitest';
import { describeNoise, estimateSigma, levelSigma, mixForSigma, noiseLevelAt } from './noise';

/** A smooth colour image (gradients and a slow wave) plus Gaussian noise of σ₂₅₅ `sigma`. */
function photo(width: number, height: number, sigma: number, seed = 7) {
  let s = seed;
  const uniform = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 2 ** 32;
  };
  const gauss = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      const base = [
        60 + (150 * x) / width,
        80 + (120 * y) / height,
        128 + 60 * Math.sin(x / 37) * Math.cos(y / 53),
      ];
      for (let c = 0; c < 3; c++) {
        data[i + c] = Math.max(0, Math.min(255, Math.round(base[c]! + sigma * gauss())));
      }
      data[i + 3] = 255;
    }
  }
  return { width, height, data };
}

describe('estimateSigma', () => {
  it.each([5, 10, 15, 25])('recovers Gaussian noise of σ %i/255 within 5%%', (sigma) => {
    const found = estimateSigma(photo(320, 240, sigma)) * 255;
    expect(Math.abs(found - sigma) / sigma).toBeLessThan(0.05);
  });

  it('finds (almost) nothing on a clean image, and words for what it finds', () => {
    const clean = estimateSigma(photo(320, 240, 0));
    expect(clean * 255).toBeLessThan(1);
    expect(describeNoise(clean)).toBe('no noise found');
    expect(describeNoise(5 / 255)).toBe('light noise found');
    expect(describeNoise(12 / 255)).toBe('medium noise found');
    expect(describeNoise(40 / 255)).toBe('strong noise found');
  });

  it('matches the formula by hand: even-aligned 2×2 blocks, lower median, mean of channels', () => {
    // 4×2: two blocks; 5×3 has the same two blocks (the odd row and column are ignored).
    const px = (r: number, g: number, b: number) => [r, g, b, 255];
    const rows = [
      [px(10, 0, 0), px(0, 0, 0), px(40, 0, 0), px(0, 0, 0)],
      [px(0, 0, 0), px(10, 0, 0), px(0, 0, 0), px(0, 0, 0)],
    ];
    const image = { width: 4, height: 2, data: new Uint8Array(rows.flat(2)) };
    // Red HH: (10 − 0 − 0 + 10)/2 = 10, (40 − 0 − 0 + 0)/2 = 20 → lower median 10; green, blue 0.
    expect(estimateSigma(image)).toBeCloseTo(10 / 255 / 0.6745 / 3, 12);
    const odd = new Uint8Array(5 * 3 * 4);
    for (let y = 0; y < 2; y++) odd.set(rows[y]!.flat(), y * 5 * 4);
    expect(estimateSigma({ width: 5, height: 3, data: odd })).toBe(estimateSigma(image));
    expect(estimateSigma({ width: 1, height: 9, data: new Uint8Array(36) })).toBe(0);
  });
});

describe('noise levels', () => {
  it('maps the stored index to a level, and levels to σ (less in a smaller preview)', () => {
    expect([0, 1, 2, 3, 9].map(noiseLevelAt)).toEqual([
      'auto',
      'light',
      'medium',
      'strong',
      'auto',
    ]);
    expect(levelSigma('medium')).toBeCloseTo(15 / 255);
    expect(levelSigma('medium', 0.5)).toBeCloseTo(7.5 / 255);
    expect(levelSigma('medium', 2)).toBeCloseTo(15 / 255);
  });

  it('mixes none of a σ-blind denoiser on a clean photo, all of it from medium noise', () => {
    expect(mixForSigma(2.5 / 255)).toBe(0);
    expect(mixForSigma(8 / 255)).toBeCloseTo(0.5);
    expect(mixForSigma(15 / 255)).toBe(1);
  });
});
