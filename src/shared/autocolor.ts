/**
 * Auto colour (the design paper's effect-rendering network, models/autocolor): its input contract
 * and how its answer becomes an ordinary, editable effect.
 *
 * Input (v3): 64 classic estimates of the illuminant's colour, each as log-chroma, in a float32
 * NCHW [1,3,8,8] tensor — a row per estimator family, a column per parameter (shades of grey,
 * percentiles, grey-edge at two scales, brightness and saturation bands, horizontal strips). A
 * colour cast then adds the same vector to every cell, and the network learns how to weigh and
 * correct the classic answers. models/train/autocolor_features.py defines it; this is the same
 * computation, pinned to it by models/train/fixtures/autocolor-features.json.
 * Output: three gains that multiply each linear channel to remove a colour cast. The stack's
 * `matrix` effect works on sRGB values, so a linear gain g becomes the sRGB scale g^(1/2.2)
 * (sRGB ≈ linear^(1/2.2)); the person can then tune it like any other matrix.
 */
export const AUTOCOLOR_KIND = 'image-to-gains';
export const AUTOCOLOR_SIZE = 8;
/** The manifest's name for this input (`inputs[0].features`); a model without it reads another. */
export const AUTOCOLOR_FEATURES = 'classic-estimates-v3';

const LINEAR = new Float32Array(256).map((_, i) => {
  const c = i / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
});

const WORK_SIDE = 256;
const CLIP = 0.95;
const EPS = 1e-4;
const POWERS = [1, 2, 3, 4, 6, 8, 12, Infinity] as const;
const PERCENTILES = [50, 75, 90, 95, 97.5, 99, 99.5] as const;

/** Linear RGB, planar: r, g, b each width × height. */
interface Planes {
  w: number;
  h: number;
  c: [Float64Array, Float64Array, Float64Array];
}

/** The working image: linear light, f × f block means with f = ceil(long side / 256). */
function workingImage(data: Uint8Array | Uint8ClampedArray, width: number, height: number): Planes {
  const f = Math.max(1, Math.min(Math.ceil(Math.max(width, height) / WORK_SIDE), width, height));
  const w = Math.floor(width / f);
  const h = Math.floor(height / f);
  const c: Planes['c'] = [
    new Float64Array(w * h),
    new Float64Array(w * h),
    new Float64Array(w * h),
  ];
  for (let y = 0; y < h * f; y++) {
    const row = Math.floor(y / f) * w;
    for (let x = 0; x < w * f; x++) {
      const i = (y * width + x) * 4;
      const o = row + Math.floor(x / f);
      c[0][o] += LINEAR[data[i]!]!;
      c[1][o] += LINEAR[data[i + 1]!]!;
      c[2][o] += LINEAR[data[i + 2]!]!;
    }
  }
  const inv = 1 / (f * f);
  for (const p of c) for (let k = 0; k < p.length; k++) p[k]! *= inv;
  return { w, h, c };
}

type Rgb = [number, number, number];

/** Columns [3][n] of the pixels at `index`. */
function gather(p: Planes, index: ArrayLike<number>): [Float64Array, Float64Array, Float64Array] {
  const out = [0, 1, 2].map(() => new Float64Array(index.length)) as [
    Float64Array,
    Float64Array,
    Float64Array,
  ];
  for (let k = 0; k < index.length; k++) {
    for (let ch = 0; ch < 3; ch++) out[ch][k] = p.c[ch][index[k]!]!;
  }
  return out;
}

function minkowski(x: readonly Float64Array[], p: number): Rgb {
  const n = x[0]!.length;
  if (n === 0) return [EPS, EPS, EPS];
  return x.map((v) => {
    if (p === Infinity) return v.reduce((a, b) => Math.max(a, b), -Infinity);
    let s = 0;
    for (const e of v) s += Math.max(0, e) ** p;
    return (s / n) ** (1 / p);
  }) as Rgb;
}

function bands(x: readonly Float64Array[], key: Float64Array): Rgb[] {
  const n = key.length;
  if (n < 8) {
    const m = (n ? x.map((v) => v.reduce((a, b) => a + b, 0) / n) : [EPS, EPS, EPS]) as Rgb;
    return Array.from({ length: 8 }, () => m);
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => key[a]! - key[b]! || a - b);
  return Array.from({ length: 8 }, (_, k) => {
    const lo = Math.floor((k * n) / 8);
    const hi = Math.floor(((k + 1) * n) / 8);
    return x.map((v) => {
      let s = 0;
      for (let i = lo; i < hi; i++) s += v[order[i]!]!;
      return s / (hi - lo);
    }) as Rgb;
  });
}

/** Forward-difference gradient magnitude per channel where the three pixels are valid. */
function gradient(p: Planes, valid: Uint8Array): Float64Array[] {
  const cells: number[] = [];
  for (let y = 0; y + 1 < p.h; y++) {
    for (let x = 0; x + 1 < p.w; x++) {
      const i = y * p.w + x;
      if (valid[i] && valid[i + 1] && valid[i + p.w]) cells.push(i);
    }
  }
  return p.c.map((v) => {
    const out = new Float64Array(cells.length);
    cells.forEach((i, k) => {
      const dx = v[i + 1]! - v[i]!;
      const dy = v[i + p.w]! - v[i]!;
      out[k] = Math.sqrt(dx * dx + dy * dy);
    });
    return out;
  });
}

function validMask(p: Planes): Uint8Array {
  const valid = new Uint8Array(p.w * p.h);
  let count = 0;
  for (let i = 0; i < valid.length; i++) {
    if (Math.max(p.c[0][i]!, p.c[1][i]!, p.c[2][i]!) < CLIP) {
      valid[i] = 1;
      count++;
    }
  }
  if (count < 16) valid.fill(1);
  return valid;
}

function indices(n: number, keep: (i: number) => boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (keep(i)) out.push(i);
  return out;
}

/**
 * The network's input: 64 classic illuminant estimates as log-chroma, NCHW [3,8,8].
 * @throws RangeError when the buffer does not hold width × height pixels.
 */
export function autocolorInput(
  data: Uint8Array | Uint8ClampedArray,
  width: number,
  height: number,
): Float32Array {
  if (width < 1 || height < 1 || data.length < width * height * 4) {
    throw new RangeError(`autocolorInput: ${width}×${height} needs ${width * height * 4} bytes`);
  }
  const img = workingImage(data, width, height);
  const { w, h } = img;
  const valid = validMask(img);
  const all = gather(
    img,
    indices(w * h, () => true),
  );
  const vflat = gather(
    img,
    indices(w * h, (i) => valid[i] === 1),
  );
  const est: Rgb[] = [];
  for (const p of POWERS) est.push(minkowski(vflat, p));
  const sorted = vflat.map((v) => Float64Array.from(v).sort());
  const n = vflat[0]!.length;
  for (const q of PERCENTILES) {
    const k = Math.min(n - 1, Math.floor((q / 100) * (n - 1) + 0.5));
    est.push(n ? (sorted.map((v) => v[k]!) as Rgb) : [EPS, EPS, EPS]);
  }
  est.push(minkowski(all, Infinity));
  const g1 = gradient(img, valid);
  for (const p of POWERS) est.push(minkowski(g1, p));
  let g2 = g1;
  if (h >= 4 && w >= 4) {
    const cw = Math.floor(w / 2);
    const ch = Math.floor(h / 2);
    const coarse: Planes = {
      w: cw,
      h: ch,
      c: [0, 1, 2].map(() => new Float64Array(cw * ch)) as Planes['c'],
    };
    const cvalid = new Uint8Array(cw * ch);
    for (let y = 0; y < ch; y++) {
      for (let x = 0; x < cw; x++) {
        const i = 2 * y * w + 2 * x;
        for (let c = 0; c < 3; c++) {
          const v = img.c[c];
          coarse.c[c][y * cw + x] = (v[i]! + v[i + 1]! + v[i + w]! + v[i + w + 1]!) / 4;
        }
        cvalid[y * cw + x] = valid[i]! & valid[i + 1]! & valid[i + w]! & valid[i + w + 1]!;
      }
    }
    g2 = gradient(coarse, cvalid);
  }
  for (const p of POWERS) est.push(minkowski(g2, p));
  const luma = new Float64Array(n);
  const sat = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const r = vflat[0][i]!;
    const g = vflat[1][i]!;
    const b = vflat[2][i]!;
    luma[i] = (r + g + b) / 3;
    const mx = Math.max(r, g, b);
    sat[i] = (mx - Math.min(r, g, b)) / (mx + EPS);
  }
  est.push(...bands(vflat, luma), ...bands(vflat, sat));
  // 8 horizontal strips: their means, then their p = 8 norms over unclipped pixels
  const strip = (k: number, p: number, unclippedOnly: boolean): Rgb => {
    const lo = Math.floor((k * h) / 8) * w;
    const hi = Math.max(lo / w + 1, Math.floor(((k + 1) * h) / 8)) * w;
    const take = indices(w * h, (i) => i >= lo && i < hi && (!unclippedOnly || valid[i] === 1));
    return minkowski(gather(img, take), p);
  };
  for (let k = 0; k < 8; k++) est.push(strip(k, 1, false));
  for (let k = 0; k < 8; k++) est.push(strip(k, 8, true));
  const out = new Float32Array(3 * 64);
  est.forEach((e, j) => {
    const l = e.map((v) => Math.log(Math.max(v, EPS)));
    const mean = (l[0]! + l[1]! + l[2]!) / 3;
    for (let c = 0; c < 3; c++) out[c * 64 + j] = Math.min(4, Math.max(-4, l[c]! - mean));
  });
  return out;
}

/** Gains (linear light) → the stack's 3×4 colour matrix (rows r, g, b, each `[r g b offset]`). */
export function gainsToMatrix(gains: readonly number[]): number[] {
  const scale = gains.slice(0, 3).map((g) => (Number.isFinite(g) && g > 0 ? g : 1) ** (1 / 2.2));
  return [scale[0]!, 0, 0, 0, 0, scale[1]!, 0, 0, 0, 0, scale[2]!, 0];
}
