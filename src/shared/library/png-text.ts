/**
 * PNG text metadata: writes Title/Author (and any keyword) as tEXt chunks (Latin-1) or iTXt
 * chunks (UTF-8) right after IHDR, and reads them back. Pure byte work, no decoding.
 * Spec: https://www.w3.org/TR/png-3/#11textinfo
 */
import { encodeChunk, PNG_SIGNATURE } from '../registration/png';

export interface PngTextEntry {
  /** 1–79 Latin-1 characters, e.g. "Title", "Author", "Software". */
  keyword: string;
  text: string;
}

const isLatin1Printable = (s: string) => /^[\u0020-\u007e\u00a0-\u00ff\n]*$/.test(s);

function textChunk({ keyword, text }: PngTextEntry): Uint8Array {
  if (!/^[\u0020-\u007e\u00a1-\u00ff]{1,79}$/.test(keyword) || /^ | $| {2}/.test(keyword)) {
    throw new RangeError(`"${keyword}" is not a valid PNG text keyword.`);
  }
  const key = Uint8Array.from(keyword, (c) => c.charCodeAt(0));
  if (isLatin1Printable(text)) {
    const body = Uint8Array.from(text, (c) => c.charCodeAt(0));
    const data = new Uint8Array(key.length + 1 + body.length);
    data.set(key);
    data.set(body, key.length + 1);
    return encodeChunk('tEXt', data);
  }
  // iTXt: keyword \0 compression-flag(0) method(0) language \0 translated-keyword \0 UTF-8 text
  const body = new TextEncoder().encode(text);
  const data = new Uint8Array(key.length + 5 + body.length);
  data.set(key);
  data.set(body, key.length + 5);
  return encodeChunk('iTXt', data);
}

/** True when `bytes` start with the PNG signature. */
export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && PNG_SIGNATURE.every((v, i) => bytes[i] === v);
}

/**
 * Returns a copy of the PNG with the text entries inserted after IHDR.
 * @throws RangeError when `png` is not a PNG or a keyword is invalid.
 */
export function addPngText(png: Uint8Array, entries: readonly PngTextEntry[]): Uint8Array {
  if (!isPng(png) || png.length < 33) throw new RangeError('Not a PNG file.');
  const ihdrEnd = 8 + 12 + new DataView(png.buffer, png.byteOffset).getUint32(8);
  const chunks = entries.filter((e) => e.text !== '').map(textChunk);
  const extra = chunks.reduce((n, c) => n + c.length, 0);
  const out = new Uint8Array(png.length + extra);
  out.set(png.subarray(0, ihdrEnd));
  let at = ihdrEnd;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  out.set(png.subarray(ihdrEnd), at);
  return out;
}

/** Reads every tEXt and uncompressed iTXt entry of a PNG, in file order. */
export function readPngText(png: Uint8Array): PngTextEntry[] {
  if (!isPng(png)) return [];
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const out: PngTextEntry[] = [];
  for (let at = 8; at + 12 <= png.length;) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(...png.subarray(at + 4, at + 8));
    const data = png.subarray(at + 8, at + 8 + length);
    if (type === 'tEXt' || type === 'iTXt') {
      const zero = data.indexOf(0);
      const keyword = String.fromCharCode(...data.subarray(0, zero));
      if (type === 'tEXt') {
        out.push({ keyword, text: String.fromCharCode(...data.subarray(zero + 1)) });
      } else if (data[zero + 1] === 0) {
        const lang = data.indexOf(0, zero + 3);
        const translated = data.indexOf(0, lang + 1);
        out.push({ keyword, text: new TextDecoder().decode(data.subarray(translated + 1)) });
      }
    }
    if (type === 'IEND') break;
    at += 12 + length;
  }
  return out;
}
