import { describe, expect, it } from 'vitest';
import { clippingOverlay, clippingWords, histogram, lumaOf } from './histogram';

const px = (...rgb: number[][]) => Uint8Array.from(rgb.flatMap(([r, g, b]) => [r!, g!, b!, 255]));

describe('histogram', () => {
  it('counts each channel and luma per pixel', () => {
    const h = histogram(px([10, 20, 30], [10, 200, 255], [0, 0, 0]));
    expect(h.total).toBe(3);
    expect(h.r[10]).toBe(2);
    expect(h.r[0]).toBe(1);
    expect(h.g[200]).toBe(1);
    expect(h.b[255]).toBe(1);
    expect(h.luma[lumaOf(10, 20, 30)]).toBe(1);
    expect(lumaOf(10, 20, 30)).toBe(19);
    expect(h.luma.reduce((a, b) => a + b, 0)).toBe(3);
    expect(h.clippedHigh).toBe(1);
    expect(h.clippedLow).toBe(1);
  });

  it('marks clipped pixels on an overlay, leaving the rest clear', () => {
    const o = clippingOverlay(px([255, 9, 9], [0, 9, 9], [9, 9, 9]), [1, 2, 3], [4, 5, 6]);
    expect([...o]).toEqual([1, 2, 3, 255, 4, 5, 6, 255, 0, 0, 0, 0]);
  });

  it('says how much clips in words', () => {
    expect(clippingWords(0, 100, 'shadows')).toBeNull();
    expect(clippingWords(1, 10_000, 'highlights')).toBe(
      'Highlights clipped in under 0.1 % of the image',
    );
    expect(clippingWords(25, 1000, 'shadows')).toBe('Shadows clipped in 2.5 % of the image');
    expect(clippingWords(500, 1000, 'shadows')).toBe('Shadows clipped in 50 % of the image');
  });
});
