/**
 * Reinhard colour transfer (Reinhard, Ashikhmin, Gooch & Shirley 2001) in CIELAB: shift and scale
 * each channel of the source so its mean and standard deviation match the reference's.
 * (Reinhard used lαβ; CIELAB is the perceptual space the rest of "learn a look" measures in.)
 *
 * The transferred pixels are only a *target*: the room then fits the engine's matrix and curve
 * effects to (source → target) with ./fit-look, so the result is editable like any other effect.
 */
import { labToSrgb, srgbToLab, type Lab } from './colour';
import type { Samples } from './fit-look';

export interface LabStats {
  mean: Lab;
  std: Lab;
  n: number;
}

/** Mean and (population) standard deviation of each CIELAB channel of sRGB triples in [0, 1]. */
export function labStats(rgb: Float64Array): LabStats {
  const n = rgb.length / 3;
  const sum = [0, 0, 0];
  const sq = [0, 0, 0];
  for (let k = 0; k < rgb.length; k += 3) {
    const lab = srgbToLab(rgb[k]!, rgb[k + 1]!, rgb[k + 2]!);
    for (let c = 0; c < 3; c++) {
      sum[c]! += lab[c]!;
      sq[c]! += lab[c]! * lab[c]!;
    }
  }
  const mean = sum.map((s) => (n ? s / n : 0)) as Lab;
  const std = sq.map((s, c) => (n ? Math.sqrt(Math.max(0, s / n - mean[c]! ** 2)) : 0)) as Lab;
  return { mean, std, n };
}

/** Each Lab channel: (v − μs) · σr / σs + μr; a flat source channel only shifts. */
export function transferLab(lab: Lab, source: LabStats, reference: LabStats): Lab {
  return lab.map((v, c) => {
    const s = source.std[c]!;
    const scale = s > 1e-6 ? reference.std[c]! / s : 1;
    return (v - source.mean[c]!) * scale + reference.mean[c]!;
  }) as Lab;
}

/** Lab triples of `rgb`, transferred (not clamped; for checking the statistics). */
export function transferLabs(rgb: Float64Array, reference: LabStats): Lab[] {
  const source = labStats(rgb);
  const out: Lab[] = [];
  for (let k = 0; k < rgb.length; k += 3) {
    out.push(transferLab(srgbToLab(rgb[k]!, rgb[k + 1]!, rgb[k + 2]!), source, reference));
  }
  return out;
}

/**
 * The source samples and their Reinhard-transferred colours (back in sRGB, clamped to [0, 1]),
 * ready for `fitLook`.
 */
export function reinhardSamples(source: Float64Array, reference: LabStats): Samples {
  const labs = transferLabs(source, reference);
  const after = new Float64Array(source.length);
  labs.forEach((lab, k) => {
    const rgb = labToSrgb(lab[0], lab[1], lab[2]);
    for (let c = 0; c < 3; c++) after[k * 3 + c] = Math.max(0, Math.min(1, rgb[c]!));
  });
  return { before: source, after, n: source.length / 3 };
}

/** RGB triples in [0, 1] of an RGBA8 buffer, on a stride so at most `max` are taken. */
export function rgbSamples(data: Uint8Array | Uint8ClampedArray, max = 40_000): Float64Array {
  const total = data.length / 4;
  const stride = Math.max(1, Math.floor(total / max));
  const n = Math.ceil(total / stride);
  const out = new Float64Array(n * 3);
  for (let k = 0, p = 0; k < n; k++, p += stride) {
    for (let c = 0; c < 3; c++) out[k * 3 + c] = data[p * 4 + c]! / 255;
  }
  return out;
}
