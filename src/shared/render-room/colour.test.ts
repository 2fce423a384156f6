import { describe, expect, it } from 'vitest';
import { deltaE2000, labToSrgb, srgbToLab, type Lab } from './colour';

describe('CIELAB', () => {
  it('maps white, black and sRGB red to their published Lab values', () => {
    const white = srgbToLab(1, 1, 1);
    expect(white[0]).toBeCloseTo(100, 3);
    expect(Math.abs(white[1]) + Math.abs(white[2])).toBeLessThan(0.01);
    expect(srgbToLab(0, 0, 0)).toEqual([0, 0, 0]);
    const red = srgbToLab(1, 0, 0);
    expect(red[0]).toBeCloseTo(53.24, 1);
    expect(red[1]).toBeCloseTo(80.09, 1);
    expect(red[2]).toBeCloseTo(67.2, 1);
  });

  it('round-trips sRGB through Lab', () => {
    const colours: [number, number, number][] = [
      [0.2, 0.5, 0.9],
      [0.01, 0.02, 0.03],
      [0.7, 0.7, 0.1],
    ];
    for (const rgb of colours) {
      const back = labToSrgb(...srgbToLab(...rgb));
      back.forEach((v, i) => expect(v).toBeCloseTo(rgb[i]!, 6));
    }
  });
});

describe('CIEDE2000', () => {
  // Pairs from Sharma, Wu & Dalal (2005), "The CIEDE2000 color-difference formula", table 1.
  const PAIRS: [Lab, Lab, number][] = [
    [[50, 2.6772, -79.7751], [50, 0, -82.7485], 2.0425],
    [[50, 3.1571, -77.2803], [50, 0, -82.7485], 2.8615],
    [[50, 0, 0], [50, -1, 2], 2.3669],
    [[50, 2.5, 0], [73, 25, -18], 27.1492],
    [[60.2574, -34.0099, 36.2677], [60.4626, -34.1751, 39.4387], 1.2644],
  ];
  it.each(PAIRS)('%j vs %j = %d', (a, b, expected) => {
    expect(deltaE2000(a, b)).toBeCloseTo(expected, 4);
    expect(deltaE2000(b, a)).toBeCloseTo(expected, 4);
  });
  it('is zero for equal colours', () => {
    expect(deltaE2000([40, 10, -5], [40, 10, -5])).toBe(0);
  });
});
