/**
 * Reads an image's format and dimensions from its bytes, before any decoding, so a decode bomb
 * (a 600 KB PNG that decodes to 3.6 GB) is refused first. The bytes decide, never the file name
 * or MIME type. Also catches files that are empty, truncated (the end marker is missing) or not
 * images at all. Pure: runs in the image worker and in unit tests.
 */
import { LibraryError } from '../errors/library';
import { MAX_PIXELS, MAX_SIDE } from './budget';
import { displayName } from './text';

export type ImageFormat = 'png' | 'jpeg' | 'gif' | 'webp' | 'bmp' | 'avif';

export interface SniffResult {
  format: ImageFormat;
  mime: string;
  width: number;
  height: number;
}

export const FORMAT_MIME: Record<ImageFormat, string> = {
  png: 'image/png',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  bmp: 'image/bmp',
  avif: 'image/avif',
};

export const ACCEPTED_DESCRIPTION = 'PNG, JPEG, WebP, GIF, AVIF or BMP';

const ascii = (b: Uint8Array, at: number, n: number) =>
  String.fromCharCode(...b.subarray(at, at + n));
const u16be = (b: Uint8Array, at: number) => (b[at]! << 8) | b[at + 1]!;
const u16le = (b: Uint8Array, at: number) => b[at]! | (b[at + 1]! << 8);
const u24le = (b: Uint8Array, at: number) => b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16);
const u32be = (b: Uint8Array, at: number) => u16be(b, at) * 65536 + u16be(b, at + 2);
const u32le = (b: Uint8Array, at: number) => u16le(b, at) + u16le(b, at + 2) * 65536;

class Problem extends Error {
  constructor(
    readonly code: 'truncated' | 'corrupt',
    message: string,
  ) {
    super(message);
  }
}
const truncated = () => new Problem('truncated', 'the file ends before the image does');
const corrupt = (why: string) => new Problem('corrupt', why);

function need(b: Uint8Array, end: number): void {
  if (b.length < end) throw truncated();
}

function png(b: Uint8Array): Omit<SniffResult, 'format' | 'mime'> {
  need(b, 33);
  if (u32be(b, 8) !== 13 || ascii(b, 12, 4) !== 'IHDR')
    throw corrupt('its PNG header is malformed');
  // A complete PNG ends with an IEND chunk (possibly followed by junk some tools append).
  const tail = ascii(b, Math.max(0, b.length - 1024), 1024);
  if (!tail.includes('IEND')) throw truncated();
  return { width: u32be(b, 16), height: u32be(b, 20) };
}

const SOF = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);

function jpeg(b: Uint8Array): Omit<SniffResult, 'format' | 'mime'> {
  let at = 2;
  let size: { width: number; height: number } | undefined;
  for (;;) {
    need(b, at + 2);
    if (b[at] !== 0xff) throw corrupt('its JPEG markers are malformed');
    const marker = b[at + 1]!;
    if (marker === 0xff) {
      at += 1; // fill byte
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2;
      continue;
    }
    need(b, at + 4);
    const length = u16be(b, at + 2);
    if (length < 2) throw corrupt('its JPEG markers are malformed');
    if (SOF.has(marker)) {
      need(b, at + 9);
      size = { height: u16be(b, at + 5), width: u16be(b, at + 7) };
    }
    if (marker === 0xda) {
      if (!size) throw corrupt('its JPEG has no frame header');
      // Entropy-coded data follows; a complete file has an end-of-image marker after it
      // (0xFF is always stuffed inside the data, so FF D9 there is the real end).
      for (let i = b.length - 2; i > at; i--) {
        if (b[i] === 0xff && b[i + 1] === 0xd9) return size;
      }
      throw truncated();
    }
    if (marker === 0xd9) throw truncated();
    at += 2 + length;
  }
}

/**
 * A GIF's size is its logical screen, but a frame may lie outside it and browsers then size the
 * image to the frame (issue #20, defect 4: a "1×1" GIF with a 12000×12000 frame decoded 144 MP).
 * Every frame's image descriptor is walked, and the size is the screen grown to hold them all.
 */
function gif(b: Uint8Array): Omit<SniffResult, 'format' | 'mime'> {
  need(b, 14);
  // The trailer byte 0x3B ends every complete GIF.
  const end = b.subarray(Math.max(13, b.length - 16));
  if (!end.includes(0x3b)) throw truncated();
  let width = u16le(b, 6);
  let height = u16le(b, 8);
  const table = (flags: number) => (flags & 0x80 ? 3 * 2 ** ((flags & 7) + 1) : 0);
  const skipSubBlocks = (at: number) => {
    for (;;) {
      need(b, at + 1);
      const len = b[at]!;
      at += 1 + len;
      if (len === 0) return at;
    }
  };
  let at = 13 + table(b[10]!);
  let frames = 0;
  for (;;) {
    need(b, at + 1);
    const block = b[at]!;
    if (block === 0x3b) break;
    if (block === 0x21) {
      at = skipSubBlocks(at + 2);
    } else if (block === 0x2c) {
      need(b, at + 10);
      width = Math.max(width, u16le(b, at + 1) + u16le(b, at + 5));
      height = Math.max(height, u16le(b, at + 3) + u16le(b, at + 7));
      frames++;
      at = skipSubBlocks(at + 10 + table(b[at + 9]!) + 1);
    } else {
      // Bytes after the last frame that are not a block: browsers stop here too.
      if (frames) break;
      throw corrupt('its image data is malformed');
    }
  }
  if (!frames) throw corrupt('it holds no image');
  return { width, height };
}

function webp(b: Uint8Array): Omit<SniffResult, 'format' | 'mime'> {
  need(b, 16);
  if (u32le(b, 4) + 8 > b.length) throw truncated();
  const chunk = ascii(b, 12, 4);
  need(b, chunk === 'VP8L' ? 25 : 30);
  if (chunk === 'VP8 ') {
    if (b[23] !== 0x9d || b[24] !== 0x01 || b[25] !== 0x2a)
      throw corrupt('its WebP frame is malformed');
    return { width: u16le(b, 26) & 0x3fff, height: u16le(b, 28) & 0x3fff };
  }
  if (chunk === 'VP8L') {
    if (b[20] !== 0x2f) throw corrupt('its lossless WebP header is malformed');
    const bits = u32le(b, 21);
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (chunk === 'VP8X') return { width: u24le(b, 24) + 1, height: u24le(b, 27) + 1 };
  throw corrupt('its WebP chunks are unknown');
}

function bmp(b: Uint8Array): Omit<SniffResult, 'format' | 'mime'> {
  need(b, 26);
  if (u32le(b, 2) > b.length) throw truncated();
  const header = u32le(b, 14);
  if (header === 12) return { width: u16le(b, 18), height: u16le(b, 20) };
  if (header < 40) throw corrupt('its BMP header is malformed');
  const height = u32le(b, 22);
  // Negative height (two's complement) means top-down rows.
  return { width: u32le(b, 18), height: height > 0x7fffffff ? 0x100000000 - height : height };
}

function isobmffBrands(b: Uint8Array): string[] | null {
  if (b.length < 16 || ascii(b, 4, 4) !== 'ftyp') return null;
  const size = Math.min(u32be(b, 0), b.length);
  const brands = [ascii(b, 8, 4)];
  for (let at = 16; at + 4 <= size; at += 4) brands.push(ascii(b, at, 4));
  return brands;
}

function avif(b: Uint8Array): Omit<SniffResult, 'format' | 'mime'> {
  // The image spatial extents ('ispe') of each item; the largest one is the budget that matters.
  let width = 0;
  let height = 0;
  const limit = Math.min(b.length - 16, 1 << 20);
  for (let i = 0; i < limit; i++) {
    if (b[i] === 0x69 && ascii(b, i, 4) === 'ispe') {
      const w = u32be(b, i + 8);
      const h = u32be(b, i + 12);
      if (w * h > width * height) {
        width = w;
        height = h;
      }
    }
  }
  if (!width || !height) throw corrupt('its AVIF header has no image size');
  // Top-level boxes must all fit in the file (size 1: 64-bit size follows; 0: to the end).
  for (let at = 0; at < b.length;) {
    need(b, at + 8);
    let size = u32be(b, at);
    if (size === 1) {
      need(b, at + 16);
      size = u32be(b, at + 8) * 2 ** 32 + u32be(b, at + 12);
    } else if (size === 0) {
      break;
    }
    if (size < 8) throw corrupt('its AVIF boxes are malformed');
    if (at + size > b.length) throw truncated();
    at += size;
  }
  return { width, height };
}

function looksLikeSvg(b: Uint8Array): boolean {
  const head = ascii(b, 0, Math.min(b.length, 1024)).replace(/^\ufeff|^\u00ef\u00bb\u00bf/, '');
  return /^\s*(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*(<!DOCTYPE svg[^>]*>\s*)?<svg[\s>]/i.test(
    head,
  );
}

function detect(b: Uint8Array): ImageFormat | null {
  if (b.length >= 8 && u32be(b, 0) === 0x89504e47 && u32be(b, 4) === 0x0d0a1a0a) return 'png';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (b.length >= 6 && /^GIF8[79]a$/.test(ascii(b, 0, 6))) return 'gif';
  if (b.length >= 12 && ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 4) === 'WEBP') return 'webp';
  if (b.length >= 2 && b[0] === 0x42 && b[1] === 0x4d) return 'bmp';
  const brands = isobmffBrands(b);
  if (brands?.some((x) => x === 'avif' || x === 'avis')) return 'avif';
  return null;
}

function unsupported(b: Uint8Array): string | null {
  if (looksLikeSvg(b)) return 'SVG images are not imported: export it as PNG first';
  const brands = isobmffBrands(b);
  if (brands?.some((x) => /^(heic|heix|heim|heis|hevc|hevx|mif1|msf1)$/.test(x))) {
    return 'HEIC/HEIF images are not supported: export it as JPEG or PNG first';
  }
  const magic = ascii(b, 0, 4);
  if (magic === 'II*\0' || magic === 'MM\0*') {
    return 'TIFF images are not supported: export it as PNG first';
  }
  return null;
}

/**
 * Identifies the image in `bytes` and reads its size, refusing anything over the pixel budget.
 * @param name the file name, quoted in every message.
 * @throws LibraryError `empty-file`, `not-an-image`, `unsupported-format`, `truncated`, `corrupt`
 *   or `too-large`, each naming the file.
 */
export function sniffImage(bytes: Uint8Array, name: string, maxPixels = MAX_PIXELS): SniffResult {
  const quoted = `"${displayName(name)}"`;
  const details = { file: displayName(name), bytes: bytes.length };
  if (bytes.length === 0) {
    throw new LibraryError('empty-file', `${quoted} is empty (0 bytes).`, { details });
  }
  const format = detect(bytes);
  if (!format) {
    const why = unsupported(bytes);
    if (why) throw new LibraryError('unsupported-format', `${quoted}: ${why}.`, { details });
    throw new LibraryError(
      'not-an-image',
      `${quoted} is not an image (its contents are not ${ACCEPTED_DESCRIPTION}).`,
      { details },
    );
  }
  let size: { width: number; height: number };
  try {
    size = { png, jpeg, gif, webp, bmp, avif }[format](bytes);
  } catch (error) {
    if (!(error instanceof Problem)) throw error;
    const label = format.toUpperCase();
    throw error.code === 'truncated'
      ? new LibraryError(
          'truncated',
          `${quoted} is truncated: the file ends before the image does.`,
          {
            details: { ...details, format },
          },
        )
      : new LibraryError('corrupt', `${quoted} is a damaged ${label} file: ${error.message}.`, {
          details: { ...details, format },
        });
  }
  const { width, height } = size;
  if (!width || !height) {
    throw new LibraryError('corrupt', `${quoted} is damaged: its header gives a size of 0.`, {
      details: { ...details, format },
    });
  }
  if (width * height > maxPixels || width > MAX_SIDE || height > MAX_SIDE) {
    const mp = Math.round((width * height) / 1e6);
    throw new LibraryError(
      'too-large',
      `${quoted} is too large (${width}×${height}, ${mp} MP); the limit is ` +
        `${Math.round(maxPixels / 1e6)} MP and ${MAX_SIDE} px a side.`,
      { details: { ...details, format, width, height, maxPixels } },
    );
  }
  return { format, mime: FORMAT_MIME[format], width, height };
}

/**
 * Checks a decoded frame against the pixel budget and against what the header said (issue #20,
 * defect 4): the header walk is a guess about what the decoder will produce, this is the fact.
 * A frame bigger than the budget is `too-large`; one whose size differs from the header is
 * `corrupt` (a file that lies about itself is refused, not shown at the wrong size); the sides
 * swapped count as the same (EXIF orientation turns a JPEG on decode).
 * @param header the size sniffImage read, when known.
 * @throws LibraryError `too-large` or `corrupt`, naming the file.
 */
export function checkDecodedSize(
  decoded: { width: number; height: number },
  header: { width: number; height: number } | undefined,
  name: string,
  maxPixels = MAX_PIXELS,
): void {
  const quoted = `"${displayName(name)}"`;
  const { width, height } = decoded;
  const details = {
    file: displayName(name),
    decoded: `${width}×${height}`,
    ...(header ? { header: `${header.width}×${header.height}` } : {}),
    maxPixels,
  };
  if (width * height > maxPixels || width > MAX_SIDE || height > MAX_SIDE) {
    throw new LibraryError(
      'too-large',
      `${quoted} is too large (${width}×${height}, ${Math.round((width * height) / 1e6)} MP ` +
        `once decoded); the limit is ${Math.round(maxPixels / 1e6)} MP and ${MAX_SIDE} px a side.`,
      { details },
    );
  }
  // A JPEG's EXIF orientation may turn the frame a quarter: the header's sides, swapped, match.
  const same = (w: number, h: number) => w === width && h === height;
  if (header && !same(header.width, header.height) && !same(header.height, header.width)) {
    throw new LibraryError(
      'corrupt',
      `${quoted} is damaged: its header says ${header.width}×${header.height} but the picture ` +
        `inside is ${width}×${height}.`,
      { details },
    );
  }
}
