import { describe, expect, it } from 'vitest';
import { autocolorInput, gainsToMatrix } from './autocolor';

function solid(width: number, height: number, rgb: [number, number, number]) {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) data.set([...rgb, 255], i * 4);
  return data;
}

describe('autocolorInput', () => {
  it('area-averages in linear light into NCHW 8×8', () => {
    const input = autocolorInput(solid(40, 24, [255, 128, 0]), 40, 24);
    expect(input).toHaveLength(192);
    expect(input[0]).toBeCloseTo(1, 6);
    expect(input[64]).toBeCloseTo(0.2158605, 5); // sRGB 128 in linear light
    expect(input[128]).toBe(0);
  });

  it('averages light, not sRGB codes: a half black, half white cell is 0.5', () => {
    const data = new Uint8ClampedArray(16 * 8 * 4);
    for (let y = 0; y < 8; y++) {
      for (let x = 0; x < 16; x++) {
        const v = x % 2 ? 255 : 0;
        data.set([v, v, v, 255], (y * 16 + x) * 4);
      }
    }
    const input = autocolorInput(data, 16, 8);
    for (const v of input) expect(v).toBeCloseTo(0.5, 6);
  });

  it('handles images smaller than 8×8 and refuses short buffers', () => {
    const input = autocolorInput(solid(3, 2, [255, 255, 255]), 3, 2);
    expect(Math.max(...input)).toBeCloseTo(1, 6);
    expect(() => autocolorInput(new Uint8Array(4), 2, 2)).toThrowErrorMatchingInlineSnapshot(
      `[RangeError: autocolorInput: 2×2 needs 16 bytes]`,
    );
  });
});

describe('gainsToMatrix', () => {
  it('turns linear gains into sRGB scales on the diagonal', () => {
    const m = gainsToMatrix([2, 1, 0.5]);
    expect(m).toHaveLength(12);
    expect(m[0]).toBeCloseTo(2 ** (1 / 2.2), 9);
    expect(m[5]).toBe(1);
    expect(m[10]).toBeCloseTo(0.5 ** (1 / 2.2), 9);
    expect([m[1], m[2], m[3], m[4], m[6], m[7], m[8], m[9], m[11]]).toEqual(Array(9).fill(0));
  });

  it('treats broken gains as no change', () => {
    expect(gainsToMatrix([Number.NaN, -1, 0])).toEqual([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0]);
  });
});
