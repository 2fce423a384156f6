/**
 * What a picture looks like, in numbers and plain words, computed on the device from its pixels:
 * dominant palette (with colour names), brightness, contrast, warmth, saturation, orientation,
 * detail, and whether the edges are darker than the centre. Pure: takes RGBA bytes, so it runs in
 * a worker (from an ImageBitmap) and in Node tests (from synthetic images).
 */
import { deltaE, nameColour, rgbToHex, rgbToLab, type Rgb } from './colour-names';

export interface RgbaImage {
  data: Uint8ClampedArray | Uint8Array;
  width: number;
  height: number;
}

export interface PaletteEntry {
  hex: string;
  name: string;
  /** Share of the (opaque) pixels, 0–1. */
  share: number;
}

export type Orientation = 'landscape' | 'portrait' | 'square';

export interface ImageAnalysis {
  width: number;
  height: number;
  /** Most common first; at most 5 entries, each with a distinct name. */
  palette: PaletteEntry[];
  /** Mean luminance, 0 (black) – 1 (white). */
  brightness: number;
  /** Standard deviation of luminance, 0 – 0.5. */
  contrast: number;
  /** Mean (red − blue), −1 (cold) – 1 (hot). */
  warmth: number;
  /** Mean HSV saturation, 0 – 1. */
  saturation: number;
  orientation: Orientation;
  /** Mean neighbour luminance difference, scaled to 0 – 1. */
  detail: number;
  /** Centre luminance minus border luminance (positive: darkened at the edges). */
  edgeFalloff: number;
}

const MAX_PALETTE = 5;

/**
 * Analyses an RGBA image. Pixels with alpha < 16 are ignored. Large images are sampled on a grid
 * of at most ~256×256 points, so the cost does not grow with the image.
 * @throws Error when the image is empty or its data is shorter than width × height × 4.
 */
export function analyzeImage(image: RgbaImage): ImageAnalysis {
  const { data, width, height } = image;
  if (width < 1 || height < 1) throw new Error('The image is empty.');
  if (data.length < width * height * 4)
    throw new Error('The pixel data is shorter than the image.');
  const step = Math.max(1, Math.ceil(Math.max(width, height) / 256));
  const gw = Math.ceil(width / step);
  const gh = Math.ceil(height / step);
  const lum = new Float32Array(gw * gh).fill(NaN);

  // Palette histogram: 4 bits per channel, with per-bin sums for the mean colour.
  const counts = new Uint32Array(4096);
  const sums = new Float64Array(4096 * 3);
  let n = 0;
  let sumL = 0;
  let sumL2 = 0;
  let sumWarm = 0;
  let sumSat = 0;
  for (let gy = 0; gy < gh; gy++) {
    for (let gx = 0; gx < gw; gx++) {
      const i = (gy * step * width + gx * step) * 4;
      if (data[i + 3]! < 16) continue;
      const r = data[i]!;
      const g = data[i + 1]!;
      const b = data[i + 2]!;
      const l = (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
      lum[gy * gw + gx] = l;
      n++;
      sumL += l;
      sumL2 += l * l;
      sumWarm += (r - b) / 255;
      const max = Math.max(r, g, b);
      sumSat += max === 0 ? 0 : (max - Math.min(r, g, b)) / max;
      const bin = ((r >> 4) << 8) | ((g >> 4) << 4) | (b >> 4);
      counts[bin]!++;
      sums[bin * 3] += r;
      sums[bin * 3 + 1] += g;
      sums[bin * 3 + 2] += b;
    }
  }
  if (n === 0) throw new Error('The image is fully transparent.');

  const brightness = sumL / n;
  const contrast = Math.sqrt(Math.max(0, sumL2 / n - brightness * brightness));

  // Detail: mean absolute difference to the right and lower neighbours.
  let diff = 0;
  let pairs = 0;
  let centre = 0;
  let centreN = 0;
  let border = 0;
  let borderN = 0;
  for (let y = 0; y < gh; y++) {
    for (let x = 0; x < gw; x++) {
      const l = lum[y * gw + x]!;
      if (Number.isNaN(l)) continue;
      if (x + 1 < gw && !Number.isNaN(lum[y * gw + x + 1]!)) {
        diff += Math.abs(l - lum[y * gw + x + 1]!);
        pairs++;
      }
      if (y + 1 < gh && !Number.isNaN(lum[(y + 1) * gw + x]!)) {
        diff += Math.abs(l - lum[(y + 1) * gw + x]!);
        pairs++;
      }
      // Border: the outer 12% on each side; centre: the middle 50%.
      const fx = (x + 0.5) / gw;
      const fy = (y + 0.5) / gh;
      if (fx < 0.12 || fx > 0.88 || fy < 0.12 || fy > 0.88) {
        border += l;
        borderN++;
      } else if (fx > 0.25 && fx < 0.75 && fy > 0.25 && fy < 0.75) {
        centre += l;
        centreN++;
      }
    }
  }
  // A mean neighbour difference of 0.12 (at ≤256 px) is already a very busy image.
  const detail = pairs ? Math.min(1, diff / pairs / 0.12) : 0;
  const edgeFalloff = centreN && borderN ? centre / centreN - border / borderN : 0;

  const ratio = width / height;
  const orientation: Orientation =
    ratio > 1.1 ? 'landscape' : ratio < 1 / 1.1 ? 'portrait' : 'square';

  return {
    width,
    height,
    palette: paletteFromHistogram(counts, sums, n),
    brightness: round(brightness),
    contrast: round(contrast),
    warmth: round(sumWarm / n),
    saturation: round(sumSat / n),
    orientation,
    detail: round(detail),
    edgeFalloff: round(edgeFalloff),
  };
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}

interface Cluster {
  rgb: [number, number, number];
  count: number;
}

/**
 * Merges histogram bins into clusters (greedy, most common first: a bin joins the first cluster
 * within ΔE 18), then merges clusters that share a colour name, and keeps those of ≥ 3%.
 */
function paletteFromHistogram(
  counts: Uint32Array,
  sums: Float64Array,
  total: number,
): PaletteEntry[] {
  const bins: Cluster[] = [];
  for (let bin = 0; bin < counts.length; bin++) {
    const c = counts[bin]!;
    if (!c) continue;
    bins.push({
      rgb: [sums[bin * 3]! / c, sums[bin * 3 + 1]! / c, sums[bin * 3 + 2]! / c],
      count: c,
    });
  }
  bins.sort((a, b) => b.count - a.count);
  const clusters: (Cluster & { lab: readonly [number, number, number] })[] = [];
  for (const bin of bins) {
    const lab = rgbToLab(bin.rgb);
    const near = clusters.find((c) => deltaE(c.lab, lab) < 18);
    if (near) {
      const t = near.count + bin.count;
      near.rgb = [
        (near.rgb[0] * near.count + bin.rgb[0] * bin.count) / t,
        (near.rgb[1] * near.count + bin.rgb[1] * bin.count) / t,
        (near.rgb[2] * near.count + bin.rgb[2] * bin.count) / t,
      ];
      near.count = t;
    } else {
      clusters.push({ rgb: [...bin.rgb], count: bin.count, lab });
    }
  }
  const byName = new Map<string, Cluster>();
  for (const c of clusters) {
    const name = nameColour(c.rgb as Rgb);
    const prev = byName.get(name);
    if (!prev || prev.count < c.count) {
      byName.set(name, { rgb: c.rgb, count: c.count + (prev?.count ?? 0) });
    } else {
      prev.count += c.count;
    }
  }
  return [...byName.entries()]
    .map(([name, c]) => ({ name, hex: rgbToHex(c.rgb), share: round(c.count / total) }))
    .filter((e) => e.share >= 0.03)
    .sort((a, b) => b.share - a.share)
    .slice(0, MAX_PALETTE);
}
