/** Test images made in code: smooth seeded scenes, box downscaling and lossy-like re-quantising. */
import type { RgbaImage } from '../../../src/shared/registration/png-codec';

/** A small deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A gradient background with a few soft ellipses; different seeds give different pictures. */
export function scene(seed: number, width = 128, height = 96): RgbaImage {
  const rand = rng(seed);
  const angle = rand() * Math.PI * 2;
  const c0 = [rand() * 255, rand() * 255, rand() * 255];
  const c1 = [rand() * 255, rand() * 255, rand() * 255];
  const blobs = Array.from({ length: 4 }, () => ({
    x: rand(),
    y: rand(),
    r: 0.1 + rand() * 0.3,
    color: [rand() * 255, rand() * 255, rand() * 255],
  }));
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const u = x / width;
      const v = y / height;
      const t = Math.min(
        1,
        Math.max(0, 0.5 + (u - 0.5) * Math.cos(angle) + (v - 0.5) * Math.sin(angle)),
      );
      let px = c0.map((c, i) => c * (1 - t) + c1[i]! * t);
      for (const b of blobs) {
        const d = Math.hypot(u - b.x, v - b.y) / b.r;
        if (d < 1) {
          const w = 1 - d * d;
          px = px.map((c, i) => c * (1 - w) + b.color[i]! * w);
        }
      }
      const o = (y * width + x) * 4;
      data[o] = Math.round(px[0]!);
      data[o + 1] = Math.round(px[1]!);
      data[o + 2] = Math.round(px[2]!);
      data[o + 3] = 255;
    }
  }
  return { width, height, data };
}

/** Halves (or otherwise integer-divides) an image by box averaging. */
export function downscale(image: RgbaImage, factor: number): RgbaImage {
  const width = Math.floor(image.width / factor);
  const height = Math.floor(image.height / factor);
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 4; c++) {
        let s = 0;
        for (let dy = 0; dy < factor; dy++) {
          for (let dx = 0; dx < factor; dx++) {
            s += image.data[((y * factor + dy) * image.width + x * factor + dx) * 4 + c]!;
          }
        }
        data[(y * width + x) * 4 + c] = Math.round(s / (factor * factor));
      }
    }
  }
  return { width, height, data };
}

/** Keeps `bits` bits per channel and adds ±`noise` seeded noise, like a lossy re-encode. */
export function degrade(image: RgbaImage, bits: number, noise: number, seed = 7): RgbaImage {
  const rand = rng(seed);
  const step = 1 << (8 - bits);
  const data = image.data.map((v, i) => {
    if (i % 4 === 3) return v;
    const q = Math.round(v / step) * step + Math.round((rand() * 2 - 1) * noise);
    return Math.min(255, Math.max(0, q));
  });
  return { ...image, data };
}
