/** The perceptual hash: stable under re-encoding and resizing, different for different pictures. */
import { describe, expect, it } from 'vitest';
import { decodePng, encodePng } from '../../../src/shared/registration/png-codec';
import {
  SIMILAR_MAX_DISTANCE,
  hammingDistance,
  perceptualHash,
} from '../../../src/shared/registration/phash';
import { degrade, downscale, scene } from './images';

const SEEDS = [11, 22, 33, 44, 55, 66];

describe('perceptual hash', () => {
  it('is 8 bytes of lowercase hex with about half the bits set', () => {
    const hash = perceptualHash(scene(11));
    expect(hash).toMatch(/^0x[0-9a-f]{16}$/);
    const ones = hammingDistance(hash, '0x0000000000000000');
    expect(ones).toBeGreaterThanOrEqual(28);
    expect(ones).toBeLessThanOrEqual(36);
  });

  it('does not change when the PNG is re-encoded losslessly', () => {
    for (const seed of SEEDS) {
      const img = scene(seed);
      const a = perceptualHash(decodePng(encodePng(img, { filter: 0, level: 1 })));
      const b = perceptualHash(decodePng(encodePng(img, { filter: 'adaptive', level: 9 })));
      expect(a).toBe(b);
    }
  });

  it('stays close under a lossy-like re-encode and a 50% resize', () => {
    for (const seed of SEEDS) {
      const img = scene(seed, 256, 192);
      const hash = perceptualHash(img);
      const lossy = perceptualHash(degrade(img, 5, 3, seed));
      const half = perceptualHash(downscale(img, 2));
      expect(hammingDistance(hash, lossy)).toBeLessThanOrEqual(4);
      expect(hammingDistance(hash, half)).toBeLessThanOrEqual(4);
      expect(
        hammingDistance(hash, perceptualHash(downscale(degrade(img, 5, 3), 2))),
      ).toBeLessThanOrEqual(SIMILAR_MAX_DISTANCE);
    }
  });

  it('differs for different pictures', () => {
    const hashes = SEEDS.map((s) => perceptualHash(scene(s)));
    for (let i = 0; i < hashes.length; i++) {
      for (let j = i + 1; j < hashes.length; j++) {
        expect(hammingDistance(hashes[i]!, hashes[j]!)).toBeGreaterThan(SIMILAR_MAX_DISTANCE + 4);
      }
    }
  });

  it('treats transparent pixels as white', () => {
    const img = scene(11, 40, 30);
    const clear = { ...img, data: img.data.map((v, i) => (i % 4 === 3 ? 0 : v)) };
    const white = { ...img, data: img.data.map(() => 255) };
    expect(perceptualHash(clear)).toBe(perceptualHash(white));
  });

  it('refuses data that does not match the size', () => {
    expect(() => perceptualHash({ width: 2, height: 2, data: new Uint8Array(15) })).toThrow(
      RangeError,
    );
  });

  it('counts differing bits', () => {
    expect(hammingDistance('0xffffffffffffffff', '0x0000000000000000')).toBe(64);
    expect(hammingDistance('0x8000000000000001', '0x0000000000000000')).toBe(2);
  });
});
