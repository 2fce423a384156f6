/**
 * A 64-bit perceptual hash (DCT "pHash") of raw RGBA pixels, so a re-encoded, recompressed or
 * resized copy of a work can still be matched. It is for finding, never for proof.
 *
 * The algorithm (documented here because registrations carry it; keep it stable):
 * 1. Luma: every pixel is composited over white (alpha), then Y = 0.299 R + 0.587 G + 0.114 B.
 * 2. Area-average resample to 32×32 (each output pixel is the mean of the source area it covers).
 * 3. 2-D DCT-II (orthonormal) of the 32×32 block.
 * 4. Keep the 8×8 lowest frequencies (rows and columns 0–7, DC included), row-major.
 * 5. Bit i (most significant first) is 1 when coefficient i is greater than the median of the 64.
 * The result is 8 bytes: `0x` + 16 lowercase hex digits. Similar images differ in few bits;
 * unrelated images differ in about 32.
 */
import type { Hex } from 'viem';

const N = 32;
const K = 8;

/** Luma of every pixel, alpha composited over white. */
function luma(data: Uint8Array | Uint8ClampedArray, pixels: number): Float64Array {
  const out = new Float64Array(pixels);
  for (let i = 0; i < pixels; i++) {
    const a = data[4 * i + 3]! / 255;
    const r = data[4 * i]! * a + 255 * (1 - a);
    const g = data[4 * i + 1]! * a + 255 * (1 - a);
    const b = data[4 * i + 2]! * a + 255 * (1 - a);
    out[i] = 0.299 * r + 0.587 * g + 0.114 * b;
  }
  return out;
}

/** Area-average weights mapping `from` samples to `to` samples (one row per output sample). */
function areaWeights(from: number, to: number): Array<Array<[number, number]>> {
  const scale = from / to;
  const rows: Array<Array<[number, number]>> = [];
  for (let o = 0; o < to; o++) {
    const start = o * scale;
    const end = start + scale;
    const row: Array<[number, number]> = [];
    for (let i = Math.floor(start); i < Math.min(from, Math.ceil(end)); i++) {
      const w = Math.min(end, i + 1) - Math.max(start, i);
      if (w > 1e-12) row.push([i, w / scale]);
    }
    rows.push(row);
  }
  return rows;
}

/** Resamples a single-channel image to N×N by area averaging (separable). */
function resample(src: Float64Array, width: number, height: number): Float64Array {
  const wx = areaWeights(width, N);
  const wy = areaWeights(height, N);
  const tmp = new Float64Array(N * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < N; x++) {
      let s = 0;
      for (const [i, w] of wx[x]!) s += src[y * width + i]! * w;
      tmp[y * N + x] = s;
    }
  }
  const out = new Float64Array(N * N);
  for (let y = 0; y < N; y++) {
    for (let x = 0; x < N; x++) {
      let s = 0;
      for (const [j, w] of wy[y]!) s += tmp[j * N + x]! * w;
      out[y * N + x] = s;
    }
  }
  return out;
}

const COS = (() => {
  const table = new Float64Array(K * N);
  for (let u = 0; u < K; u++) {
    const c = u === 0 ? Math.sqrt(1 / N) : Math.sqrt(2 / N);
    for (let x = 0; x < N; x++)
      table[u * N + x] = c * Math.cos(((2 * x + 1) * u * Math.PI) / (2 * N));
  }
  return table;
})();

/**
 * The 64-bit DCT perceptual hash of an RGBA image (see the module comment).
 * @throws RangeError when the size does not match the data.
 */
export function perceptualHash(image: {
  width: number;
  height: number;
  data: Uint8Array | Uint8ClampedArray;
}): Hex {
  const { width, height, data } = image;
  if (width < 1 || height < 1 || data.length !== width * height * 4) {
    throw new RangeError('The pixel data does not match the image size.');
  }
  const small = resample(luma(data, width * height), width, height);
  // Only the 8×8 lowest frequencies are needed: DCT rows first (N×K), then columns (K×K).
  const rowsDct = new Float64Array(N * K);
  for (let y = 0; y < N; y++) {
    for (let u = 0; u < K; u++) {
      let s = 0;
      for (let x = 0; x < N; x++) s += small[y * N + x]! * COS[u * N + x]!;
      rowsDct[y * K + u] = s;
    }
  }
  const coeffs = new Float64Array(K * K);
  for (let v = 0; v < K; v++) {
    for (let u = 0; u < K; u++) {
      let s = 0;
      for (let y = 0; y < N; y++) s += rowsDct[y * K + u]! * COS[v * N + y]!;
      coeffs[v * K + u] = s;
    }
  }
  const sorted = [...coeffs].sort((a, b) => a - b);
  const median = (sorted[31]! + sorted[32]!) / 2;
  let hex = '';
  for (let byte = 0; byte < 8; byte++) {
    let b = 0;
    for (let bit = 0; bit < 8; bit++) b = (b << 1) | (coeffs[byte * 8 + bit]! > median ? 1 : 0);
    hex += b.toString(16).padStart(2, '0');
  }
  return `0x${hex}`;
}

/** Number of differing bits between two 64-bit perceptual hashes (0–64). */
export function hammingDistance(a: string, b: string): number {
  let x = BigInt(a) ^ BigInt(b);
  let n = 0;
  while (x) {
    n += Number(x & 1n);
    x >>= 1n;
  }
  return n;
}

/** At most this many differing bits count as "the same picture" (re-encoded, resized). */
export const SIMILAR_MAX_DISTANCE = 10;
