/**
 * Dominant colours of an image from its RGBA pixels (a small downsample is enough): colours
 * are bucketed at 4 bits a channel, the fullest buckets win, and each is reported as the mean of
 * its pixels. Nearly transparent pixels are ignored. Pure, for the image worker and tests.
 */
export function dominantColors(rgba: Uint8ClampedArray | Uint8Array, count = 5): string[] {
  const sums = new Map<number, { n: number; r: number; g: number; b: number }>();
  for (let i = 0; i + 3 < rgba.length; i += 4) {
    if (rgba[i + 3]! < 128) continue;
    const r = rgba[i]!;
    const g = rgba[i + 1]!;
    const b = rgba[i + 2]!;
    const key = ((r >> 4) << 8) | ((g >> 4) << 4) | (b >> 4);
    const s = sums.get(key);
    if (s) {
      s.n++;
      s.r += r;
      s.g += g;
      s.b += b;
    } else {
      sums.set(key, { n: 1, r, g, b });
    }
  }
  const hex = (v: number) => Math.round(v).toString(16).padStart(2, '0');
  const picked: { r: number; g: number; b: number }[] = [];
  for (const s of [...sums.values()].sort((a, b) => b.n - a.n)) {
    const c = { r: s.r / s.n, g: s.g / s.n, b: s.b / s.n };
    // Skip colours too close to one already picked, so five shades of one sky count once.
    if (picked.some((p) => Math.abs(p.r - c.r) + Math.abs(p.g - c.g) + Math.abs(p.b - c.b) < 48)) {
      continue;
    }
    picked.push(c);
    if (picked.length === count) break;
  }
  return picked.map((c) => `#${hex(c.r)}${hex(c.g)}${hex(c.b)}`);
}
