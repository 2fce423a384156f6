import { describe, expect, it } from 'vitest';
import { dominantColors } from './palette';

function pixels(colors: [number, number, number, number][]): Uint8Array {
  return Uint8Array.from(colors.flat());
}

describe('dominantColors', () => {
  it('orders colours by how much of the image they cover and merges near shades', () => {
    const rgba = pixels([
      ...Array(6).fill([250, 0, 0, 255]),
      ...Array(3).fill([0, 0, 250, 255]),
      ...Array(4).fill([252, 2, 2, 255]), // the same red, another bucket? no: same bucket
      [0, 250, 0, 255],
      ...Array(20).fill([9, 9, 9, 0]), // transparent: ignored
    ]);
    expect(dominantColors(rgba)).toEqual(['#fb0101', '#0000fa', '#00fa00']);
  });

  it('returns nothing for a fully transparent image', () => {
    expect(dominantColors(pixels([[1, 2, 3, 0]]))).toEqual([]);
  });
});
