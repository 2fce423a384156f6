/**
 * PNG chunks: read them (checking every CRC), and write, read or strip Atelier's registration
 * chunk — an `iTXt` with keyword `atelier:registration`, uncompressed UTF-8 JSON text, placed
 * before the first IDAT. The content hash is taken over the file *without* that chunk, so
 * embedding the certificate does not change the hash it signs (like C2PA's exclusion ranges).
 */
import { concatBytes } from '../bytes';
import { WalletError } from '../errors/wallet';

export const REGISTRATION_KEYWORD = 'atelier:registration';
export const PNG_SIGNATURE = new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]);

export interface PngChunk {
  type: string;
  data: Uint8Array;
  /** Byte offset of the chunk (its length field) in the file. */
  offset: number;
  /** Whole chunk size: 12 + data length. */
  size: number;
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (ISO 3309, as PNG uses it) of `bytes`. */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function pngError(message: string): WalletError {
  return new WalletError('png-invalid', message);
}

export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && PNG_SIGNATURE.every((b, i) => bytes[i] === b);
}

/**
 * Splits a PNG into chunks, up to and including IEND.
 * @throws WalletError `png-invalid` for a missing signature, a truncated chunk or a bad CRC.
 */
export function readChunks(bytes: Uint8Array): PngChunk[] {
  if (!isPng(bytes)) throw pngError('This file is not a PNG.');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const chunks: PngChunk[] = [];
  let offset = 8;
  for (;;) {
    if (offset + 12 > bytes.length) throw pngError('The PNG is truncated (no IEND chunk).');
    const length = view.getUint32(offset);
    const end = offset + 12 + length;
    if (length > 0x7fffffff || end > bytes.length) throw pngError('The PNG is truncated.');
    const type = String.fromCharCode(...bytes.subarray(offset + 4, offset + 8));
    if (!/^[A-Za-z]{4}$/.test(type)) throw pngError('The PNG has a malformed chunk.');
    const stored = view.getUint32(offset + 8 + length);
    if (crc32(bytes, offset + 4, offset + 8 + length) !== stored) {
      throw pngError(`The PNG's ${type} chunk is damaged (CRC mismatch).`);
    }
    chunks.push({
      type,
      data: bytes.subarray(offset + 8, offset + 8 + length),
      offset,
      size: 12 + length,
    });
    offset = end;
    if (type === 'IEND') return chunks;
  }
}

/** One chunk's bytes: length, type, data, CRC. */
export function encodeChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out, 4, 8 + data.length));
  return out;
}

/** iTXt data: keyword, 0, compression flag 0, method 0, empty language, 0, empty translation, 0, text. */
export function encodeITXt(keyword: string, text: string): Uint8Array {
  if (!/^[\x20-\x7e]{1,79}$/.test(keyword))
    throw pngError('An iTXt keyword must be 1–79 Latin-1 characters.');
  const key = new TextEncoder().encode(keyword);
  const body = new TextEncoder().encode(text);
  const out = new Uint8Array(key.length + 5 + body.length);
  out.set(key, 0);
  // key.length: NUL, +1 compression flag 0, +2 method 0, +3 language NUL, +4 translated NUL.
  out.set(body, key.length + 5);
  return out;
}

/** Reads an iTXt chunk's keyword and (uncompressed) text; null when it is compressed or malformed. */
export function decodeITXt(data: Uint8Array): { keyword: string; text: string } | null {
  const nul = data.indexOf(0);
  if (nul < 1 || nul + 3 > data.length) return null;
  const keyword = String.fromCharCode(...data.subarray(0, nul));
  if (data[nul + 1] !== 0) return null; // compressed text is never written by Atelier
  const language = data.indexOf(0, nul + 3);
  if (language < 0) return null;
  const translated = data.indexOf(0, language + 1);
  if (translated < 0) return null;
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(data.subarray(translated + 1));
    return { keyword, text };
  } catch {
    return null;
  }
}

function isRegistrationChunk(chunk: PngChunk): boolean {
  return chunk.type === 'iTXt' && decodeITXt(chunk.data)?.keyword === REGISTRATION_KEYWORD;
}

/** Whatever follows IEND: no PNG reader shows it, but it is part of the file. */
function trailer(png: Uint8Array, chunks: PngChunk[]): Uint8Array {
  const iend = chunks.at(-1)!;
  return png.subarray(iend.offset + iend.size);
}

/**
 * The PNG without any `atelier:registration` chunk, byte for byte otherwise, bytes after IEND
 * included (issue #20, defect 7): the content hash covers every byte outside our own chunk, so
 * anything appended to a registered file makes it "not the registered one". A PNG without the
 * chunk comes back unchanged.
 * @throws WalletError `png-invalid`.
 */
export function stripRegistration(png: Uint8Array): Uint8Array {
  const chunks = readChunks(png);
  if (!chunks.some(isRegistrationChunk)) return png;
  return concatBytes([
    PNG_SIGNATURE,
    ...chunks
      .filter((c) => !isRegistrationChunk(c))
      .map((c) => png.subarray(c.offset, c.offset + c.size)),
    trailer(png, chunks),
  ]);
}

/**
 * How many `atelier:registration` chunks the PNG holds. Atelier writes one; a second is someone
 * else's addition, and the file is then reported as tampered.
 * @throws WalletError `png-invalid`.
 */
export function countRegistrations(png: Uint8Array): number {
  return readChunks(png).filter(isRegistrationChunk).length;
}

/**
 * Embeds `text` (the certificate JSON) as the registration chunk, just before the first IDAT,
 * replacing any earlier one.
 * @throws WalletError `png-invalid`.
 */
export function embedRegistration(png: Uint8Array, text: string): Uint8Array {
  const all = readChunks(png);
  const chunks = all.filter((c) => !isRegistrationChunk(c));
  const idat = chunks.findIndex((c) => c.type === 'IDAT');
  if (idat < 0) throw pngError('The PNG has no image data.');
  const raw = (c: PngChunk) => png.subarray(c.offset, c.offset + c.size);
  return concatBytes([
    PNG_SIGNATURE,
    ...chunks.slice(0, idat).map(raw),
    encodeChunk('iTXt', encodeITXt(REGISTRATION_KEYWORD, text)),
    ...chunks.slice(idat).map(raw),
    trailer(png, all),
  ]);
}

/**
 * The registration chunk's text, or null when the PNG has none.
 * @throws WalletError `png-invalid`.
 */
export function readRegistration(png: Uint8Array): string | null {
  for (const chunk of readChunks(png)) {
    if (chunk.type !== 'iTXt') continue;
    const itxt = decodeITXt(chunk.data);
    if (itxt?.keyword === REGISTRATION_KEYWORD) return itxt.text;
  }
  return null;
}
