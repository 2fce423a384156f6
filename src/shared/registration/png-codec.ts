/**
 * A small PNG decoder and encoder on raw RGBA, so the perceptual hash gives the same bits in a
 * worker, in Node (tests, the fixture script) and for any browser — no canvas colour management
 * in between. Decodes every standard PNG: grey, grey+alpha, RGB, RGBA, palette; 1–16 bits;
 * Adam7 interlacing; tRNS transparency. Gamma/ICC chunks are ignored (the hash is of stored values).
 */
import { Unzlib, zlibSync } from 'fflate';
import { concatBytes } from '../bytes';
import { WalletError } from '../errors/wallet';
import { PNG_SIGNATURE, encodeChunk, readChunks } from './png';

export interface RgbaImage {
  width: number;
  height: number;
  /** 8-bit RGBA, row-major, not premultiplied. */
  data: Uint8Array;
}

/** Refuse decode bombs: 64 megapixels is far beyond any work Atelier registers. */
export const MAX_PIXELS = 64 * 1024 * 1024;

function pngError(message: string): WalletError {
  return new WalletError('png-invalid', message);
}

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Reverses the per-row filters; returns the rows' raw bytes (no filter bytes). */
function unfilter(src: Uint8Array, at: number, rowBytes: number, rows: number, bpp: number) {
  const out = new Uint8Array(rowBytes * rows);
  for (let y = 0; y < rows; y++) {
    const filter = src[at++];
    if (filter === undefined || at + rowBytes > src.length) {
      throw pngError('The PNG image data is truncated.');
    }
    const row = y * rowBytes;
    const prev = row - rowBytes;
    const first = y === 0;
    // One loop per filter type: the hot path of decoding.
    switch (filter) {
      case 0:
        out.set(src.subarray(at, at + rowBytes), row);
        break;
      case 1:
        for (let x = 0; x < rowBytes; x++) {
          out[row + x] = (src[at + x]! + (x >= bpp ? out[row + x - bpp]! : 0)) & 0xff;
        }
        break;
      case 2:
        for (let x = 0; x < rowBytes; x++) {
          out[row + x] = (src[at + x]! + (first ? 0 : out[prev + x]!)) & 0xff;
        }
        break;
      case 3:
        for (let x = 0; x < rowBytes; x++) {
          const a = x >= bpp ? out[row + x - bpp]! : 0;
          const b = first ? 0 : out[prev + x]!;
          out[row + x] = (src[at + x]! + ((a + b) >> 1)) & 0xff;
        }
        break;
      case 4:
        for (let x = 0; x < rowBytes; x++) {
          const a = x >= bpp ? out[row + x - bpp]! : 0;
          const b = first ? 0 : out[prev + x]!;
          const c = !first && x >= bpp ? out[prev + x - bpp]! : 0;
          out[row + x] = (src[at + x]! + paeth(a, b, c)) & 0xff;
        }
        break;
      default:
        throw pngError(`The PNG uses an unknown row filter (${filter}).`);
    }
    at += rowBytes;
  }
  return { rows: out, next: at };
}

/** The bytes the IHDR says the image data inflates to: filter byte + packed samples per row. */
export function filteredSize(
  width: number,
  height: number,
  bitsPerPixel: number,
  interlace: number,
): number {
  const rowsOf = (w: number, h: number) =>
    w > 0 && h > 0 ? h * (1 + Math.ceil((w * bitsPerPixel) / 8)) : 0;
  if (interlace === 0) return rowsOf(width, height);
  let total = 0;
  for (const [ox, oy, dx, dy] of ADAM7) {
    total += rowsOf(Math.ceil((width - ox) / dx), Math.ceil((height - oy) / dy));
  }
  return total;
}

/** Input slice per push: deflate expands at most ~1032×, so one push yields at most ~4 MB. */
const INFLATE_SLICE = 4 * 1024;

/**
 * Inflates zlib data into a buffer of exactly the size the header promises, and stops as soon as
 * the data would produce more (issue #20, defect 5: a 1×1 PNG with gigabytes of zeros in its
 * IDAT no longer makes anything inflate gigabytes).
 * @throws WalletError `png-invalid` when the data is corrupt or longer than `expected`.
 */
export function inflateBounded(data: Uint8Array, expected: number): Uint8Array {
  const out = new Uint8Array(expected);
  let at = 0;
  let tooLong = false;
  const inflater = new Unzlib((chunk) => {
    if (at + chunk.length > expected) {
      tooLong = true;
      throw new RangeError('more data than the header says');
    }
    out.set(chunk, at);
    at += chunk.length;
  });
  try {
    if (data.length === 0) inflater.push(data, true);
    for (let i = 0; i < data.length; i += INFLATE_SLICE) {
      inflater.push(data.subarray(i, i + INFLATE_SLICE), i + INFLATE_SLICE >= data.length);
    }
  } catch (cause) {
    if (tooLong) {
      throw new WalletError(
        'png-invalid',
        'The PNG holds more image data than its header says, so it was not unpacked.',
        { cause },
      );
    }
    throw new WalletError('png-invalid', 'The PNG image data cannot be decompressed.', { cause });
  }
  return at === expected ? out : out.subarray(0, at);
}

/**
 * Decodes a PNG to 8-bit RGBA.
 * @throws WalletError `png-invalid` for a damaged, unsupported or too large PNG.
 */
export function decodePng(bytes: Uint8Array): RgbaImage {
  const chunks = readChunks(bytes);
  const ihdr = chunks[0];
  if (ihdr?.type !== 'IHDR' || ihdr.data.length !== 13) throw pngError('The PNG has no header.');
  const h = new DataView(ihdr.data.buffer, ihdr.data.byteOffset, 13);
  const width = h.getUint32(0);
  const height = h.getUint32(4);
  const depth = ihdr.data[8]!;
  const colorType = ihdr.data[9]!;
  const interlace = ihdr.data[12]!;
  const channels = CHANNELS[colorType];
  if (
    !channels ||
    ![1, 2, 4, 8, 16].includes(depth) ||
    (colorType !== 0 && colorType !== 3 && depth < 8)
  ) {
    throw pngError('The PNG uses an unsupported colour format.');
  }
  if (width === 0 || height === 0) throw pngError('The PNG has no pixels.');
  if (width * height > MAX_PIXELS) throw pngError('The PNG is too large to check.');
  if (interlace > 1) throw pngError('The PNG uses an unknown interlace method.');
  const palette = chunks.find((c) => c.type === 'PLTE')?.data;
  const trns = chunks.find((c) => c.type === 'tRNS')?.data;
  if (colorType === 3 && !palette) throw pngError('The PNG has no palette.');
  let compressed: Uint8Array;
  const idats = chunks.filter((c) => c.type === 'IDAT');
  if (idats.length === 1) compressed = idats[0]!.data;
  else {
    compressed = new Uint8Array(idats.reduce((n, c) => n + c.data.length, 0));
    let at = 0;
    for (const c of idats) {
      compressed.set(c.data, at);
      at += c.data.length;
    }
  }
  const bitsPerPixel = channels * depth;
  const inflated = inflateBounded(compressed, filteredSize(width, height, bitsPerPixel, interlace));

  const bpp = Math.max(1, bitsPerPixel >> 3);
  const out = new Uint8Array(width * height * 4);
  const max = (1 << depth) - 1;
  const sample = (row: Uint8Array, base: number, i: number): number => {
    // i-th sample of the row starting at `base`.
    if (depth === 8) return row[base + i]!;
    if (depth === 16) return (row[base + 2 * i]! << 8) | row[base + 2 * i + 1]!;
    const bit = i * depth;
    return (row[base + (bit >> 3)]! >> (8 - depth - (bit & 7))) & max;
  };
  const to8 = (v: number) =>
    depth === 16 ? v >> 8 : depth === 8 ? v : Math.round((v * 255) / max);
  const trnsValue = (i: number) =>
    trns && trns.length >= 2 * (i + 1) ? (trns[2 * i]! << 8) | trns[2 * i + 1]! : -1;

  const put = (
    rows: Uint8Array,
    rowBytes: number,
    pw: number,
    ph: number,
    ox: number,
    oy: number,
    dx: number,
    dy: number,
  ) => {
    for (let y = 0; y < ph; y++) {
      const base = y * rowBytes;
      for (let x = 0; x < pw; x++) {
        const o = ((oy + y * dy) * width + ox + x * dx) * 4;
        const s0 = sample(rows, base, x * channels);
        let r: number,
          g: number,
          b: number,
          a = 255;
        if (colorType === 0) {
          r = g = b = to8(s0);
          if (s0 === trnsValue(0)) a = 0;
        } else if (colorType === 2) {
          const s1 = sample(rows, base, x * 3 + 1);
          const s2 = sample(rows, base, x * 3 + 2);
          r = to8(s0);
          g = to8(s1);
          b = to8(s2);
          if (s0 === trnsValue(0) && s1 === trnsValue(1) && s2 === trnsValue(2)) a = 0;
        } else if (colorType === 3) {
          if (3 * s0 + 2 >= palette!.length)
            throw pngError('The PNG uses a colour outside its palette.');
          r = palette![3 * s0]!;
          g = palette![3 * s0 + 1]!;
          b = palette![3 * s0 + 2]!;
          a = trns && s0 < trns.length ? trns[s0]! : 255;
        } else if (colorType === 4) {
          r = g = b = to8(s0);
          a = to8(sample(rows, base, x * 2 + 1));
        } else {
          r = to8(s0);
          g = to8(sample(rows, base, x * 4 + 1));
          b = to8(sample(rows, base, x * 4 + 2));
          a = to8(sample(rows, base, x * 4 + 3));
        }
        out[o] = r;
        out[o + 1] = g;
        out[o + 2] = b;
        out[o + 3] = a;
      }
    }
  };

  if (interlace === 0) {
    const rowBytes = Math.ceil((width * bitsPerPixel) / 8);
    const { rows } = unfilter(inflated, 0, rowBytes, height, bpp);
    if (depth === 8 && colorType === 6) return { width, height, data: rows };
    if (depth === 8 && colorType === 2 && !trns) {
      for (let i = 0, j = 0; i < rows.length; i += 3, j += 4) {
        out[j] = rows[i]!;
        out[j + 1] = rows[i + 1]!;
        out[j + 2] = rows[i + 2]!;
        out[j + 3] = 255;
      }
      return { width, height, data: out };
    }
    put(rows, rowBytes, width, height, 0, 0, 1, 1);
  } else {
    let at = 0;
    for (const [ox, oy, dx, dy] of ADAM7) {
      const pw = Math.ceil((width - ox) / dx);
      const ph = Math.ceil((height - oy) / dy);
      if (pw <= 0 || ph <= 0) continue;
      const rowBytes = Math.ceil((pw * bitsPerPixel) / 8);
      const { rows, next } = unfilter(inflated, at, rowBytes, ph, bpp);
      at = next;
      put(rows, rowBytes, pw, ph, ox, oy, dx, dy);
    }
  }
  return { width, height, data: out };
}

export interface EncodeOptions {
  /** One filter for every row (0–4), or `adaptive` (per row, least sum of absolute values). */
  filter?: 0 | 1 | 2 | 3 | 4 | 'adaptive';
  /** zlib level 0–9. Default 6. */
  level?: 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;
}

/** Encodes 8-bit RGBA as a non-interlaced RGBA PNG (IHDR, IDAT, IEND). */
export function encodePng(image: RgbaImage, options: EncodeOptions = {}): Uint8Array {
  const { width, height, data } = image;
  const stride = width * 4;
  const filtered = new Uint8Array((stride + 1) * height);
  const line = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const row = y * stride;
    let bestScore = Infinity;
    const candidates = options.filter === 'adaptive' ? [0, 1, 2, 3, 4] : [options.filter ?? 1];
    for (const f of candidates) {
      let score = 0;
      for (let x = 0; x < stride; x++) {
        const raw = data[row + x]!;
        const a = x >= 4 ? data[row + x - 4]! : 0;
        const b = y > 0 ? data[row - stride + x]! : 0;
        const c = y > 0 && x >= 4 ? data[row - stride + x - 4]! : 0;
        const pred =
          f === 0 ? 0 : f === 1 ? a : f === 2 ? b : f === 3 ? (a + b) >> 1 : paeth(a, b, c);
        const v = (raw - pred) & 0xff;
        line[x] = v;
        score += v < 128 ? v : 256 - v;
      }
      if (score < bestScore) {
        bestScore = score;
        filtered[y * (stride + 1)] = f;
        filtered.set(line, y * (stride + 1) + 1);
      }
    }
  }
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  ihdr[8] = 8;
  ihdr[9] = 6;
  const parts = [
    PNG_SIGNATURE,
    encodeChunk('IHDR', ihdr),
    encodeChunk('IDAT', zlibSync(filtered, { level: options.level ?? 6 })),
    encodeChunk('IEND', new Uint8Array(0)),
  ];
  return concatBytes(parts);
}
