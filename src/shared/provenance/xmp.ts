/**
 * The artist's AI training and data mining choice as XMP metadata, for readers that know IPTC
 * and PLUS rather than C2PA: `plus:DataMining` with the PLUS vocabulary (prohibited, allowed, or
 * prohibited unless the constraint says otherwise). Written into the exported file before its
 * Content Credentials, so their hash covers it:
 * - PNG: an iTXt chunk "XML:com.adobe.xmp" after IHDR;
 * - JPEG: an APP1 segment "http://ns.adobe.com/xap/1.0/" after SOI (and JFIF's APP0);
 * - WebP: an "XMP " chunk at the end, the file made extended (VP8X, XMP flag) when it was simple.
 */
import { concatBytes } from '../bytes';
import { decodeITXt, encodeChunk, encodeITXt, readChunks } from '../registration/png';
import type { ExportFormat, TrainingChoice } from './manifest';

const PLUS = 'http://ns.useplus.org/ldf/vocab/';
/** PLUS Data Mining values for each choice. */
export const DATA_MINING: Record<TrainingChoice, string> = {
  notAllowed: `${PLUS}DMI-PROHIBITED`,
  constrained: `${PLUS}DMI-PROHIBITED-SEECONSTRAINT`,
  allowed: `${PLUS}DMI-ALLOWED`,
};

const escapeXml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** An XMP packet stating the choice (and, when constrained, where the conditions are). */
export function dataMiningXmp(choice: TrainingChoice): string {
  const constraint =
    choice === 'constrained'
      ? `\n    <plus:OtherConstraints><rdf:Alt><rdf:li xml:lang="x-default">${escapeXml(
          'AI training and data mining only as the Content Credentials of this file allow.',
        )}</rdf:li></rdf:Alt></plus:OtherConstraints>`
      : '';
  return `<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:plus="http://ns.useplus.org/ldf/xmp/1.0/">
    <plus:DataMining>${DATA_MINING[choice]}</plus:DataMining>${constraint}
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>`;
}

const PNG_KEYWORD = 'XML:com.adobe.xmp';
const JPEG_NS = 'http://ns.adobe.com/xap/1.0/\0';
const utf8 = (s: string) => new TextEncoder().encode(s);
const latin1 = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

/**
 * A copy of the file with the XMP packet in it.
 * @throws RangeError when the bytes are not a JPEG or WebP file, or the file already holds XMP;
 *   WalletError `png-invalid` for a broken PNG.
 */
export function addXmp(file: Uint8Array, format: ExportFormat, xmp: string): Uint8Array {
  if (readXmp(file, format) !== null) throw new RangeError('The file already holds XMP.');
  if (format === 'image/png') return addPngXmp(file, xmp);
  if (format === 'image/jpeg') return addJpegXmp(file, xmp);
  return addWebpXmp(file, xmp);
}

function addPngXmp(png: Uint8Array, xmp: string): Uint8Array {
  const ihdr = readChunks(png)[0]!;
  const chunk = encodeChunk('iTXt', encodeITXt(PNG_KEYWORD, xmp));
  const at = ihdr.offset + ihdr.size;
  return concatBytes([png.subarray(0, at), chunk, png.subarray(at)]);
}

function addJpegXmp(jpeg: Uint8Array, xmp: string): Uint8Array {
  if (jpeg[0] !== 0xff || jpeg[1] !== 0xd8) throw new RangeError('Not a JPEG file.');
  const body = concatBytes([latin1(JPEG_NS), utf8(xmp)]);
  if (body.length + 2 > 0xffff) throw new RangeError('The XMP packet is too large for JPEG.');
  const segment = concatBytes([
    Uint8Array.of(0xff, 0xe1, (body.length + 2) >> 8, (body.length + 2) & 0xff),
    body,
  ]);
  // After SOI and a JFIF APP0, which readers expect first.
  let at = 2;
  if (jpeg[2] === 0xff && jpeg[3] === 0xe0) at = 4 + ((jpeg[4]! << 8) | jpeg[5]!);
  return concatBytes([jpeg.subarray(0, at), segment, jpeg.subarray(at)]);
}

interface RiffChunk {
  type: string;
  start: number;
  size: number;
}

function riffChunks(webp: Uint8Array): RiffChunk[] {
  const ok =
    webp.length >= 20 &&
    String.fromCharCode(...webp.subarray(0, 4)) === 'RIFF' &&
    String.fromCharCode(...webp.subarray(8, 12)) === 'WEBP';
  if (!ok) throw new RangeError('Not a WebP file.');
  const view = new DataView(webp.buffer, webp.byteOffset, webp.byteLength);
  const chunks: RiffChunk[] = [];
  for (let at = 12; at + 8 <= webp.length;) {
    const size = view.getUint32(at + 4, true);
    chunks.push({ type: String.fromCharCode(...webp.subarray(at, at + 4)), start: at, size });
    at += 8 + size + (size & 1);
  }
  return chunks;
}

/** Canvas size and alpha of a simple (VP8 or VP8L) WebP, for its VP8X header. */
function simpleWebpInfo(webp: Uint8Array, c: RiffChunk): { w: number; h: number; alpha: boolean } {
  const d = webp.subarray(c.start + 8, c.start + 8 + c.size);
  if (c.type === 'VP8L') {
    const bits = d[1]! | (d[2]! << 8) | (d[3]! << 16) | (d[4]! << 24);
    return {
      w: (bits & 0x3fff) + 1,
      h: ((bits >>> 14) & 0x3fff) + 1,
      alpha: !!((bits >>> 28) & 1),
    };
  }
  if (c.type === 'VP8 ') {
    return { w: (d[6]! | (d[7]! << 8)) & 0x3fff, h: (d[8]! | (d[9]! << 8)) & 0x3fff, alpha: false };
  }
  throw new RangeError('The WebP file has no image data.');
}

function addWebpXmp(webp: Uint8Array, xmp: string): Uint8Array {
  const chunks = riffChunks(webp);
  const body = utf8(xmp);
  const xmpChunk = concatBytes([
    latin1('XMP '),
    u32le(body.length),
    body,
    new Uint8Array(body.length & 1),
  ]);
  let head: Uint8Array;
  let rest: Uint8Array;
  const vp8x = chunks.find((c) => c.type === 'VP8X');
  if (vp8x) {
    head = webp.slice(12, vp8x.start + 8 + vp8x.size);
    head[8]! |= 0x04; // XMP present
    rest = webp.subarray(vp8x.start + 8 + vp8x.size);
  } else {
    const { w, h, alpha } = simpleWebpInfo(webp, chunks[0]!);
    const data = new Uint8Array(10);
    data[0] = 0x04 | (alpha ? 0x10 : 0);
    data.set(u24le(w - 1), 4);
    data.set(u24le(h - 1), 7);
    head = concatBytes([latin1('VP8X'), u32le(10), data]);
    rest = webp.subarray(12);
  }
  const payload = concatBytes([latin1('WEBP'), head, rest, xmpChunk]);
  return concatBytes([latin1('RIFF'), u32le(payload.length), payload]);
}

const u32le = (n: number) => Uint8Array.of(n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, n >>> 24);
const u24le = (n: number) => Uint8Array.of(n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff);

/** The file's XMP packet, or null when it has none (or is not that format). */
export function readXmp(file: Uint8Array, format: ExportFormat): string | null {
  try {
    if (format === 'image/png') return readPngXmp(file);
    if (format === 'image/jpeg') return readJpegXmp(file);
    const c = riffChunks(file).find((x) => x.type === 'XMP ');
    return c ? new TextDecoder().decode(file.subarray(c.start + 8, c.start + 8 + c.size)) : null;
  } catch {
    return null;
  }
}

function readPngXmp(png: Uint8Array): string | null {
  for (const c of readChunks(png)) {
    const text = c.type === 'iTXt' ? decodeITXt(c.data) : null;
    if (text?.keyword === PNG_KEYWORD) return text.text;
  }
  return null;
}

function readJpegXmp(jpeg: Uint8Array): string | null {
  if (jpeg[0] !== 0xff || jpeg[1] !== 0xd8) return null;
  for (let at = 2; at + 4 <= jpeg.length && jpeg[at] === 0xff;) {
    const marker = jpeg[at + 1]!;
    if (marker === 0xda || marker === 0xd9) break; // image data begins
    const length = (jpeg[at + 2]! << 8) | jpeg[at + 3]!;
    const data = jpeg.subarray(at + 4, at + 2 + length);
    if (marker === 0xe1 && String.fromCharCode(...data.subarray(0, JPEG_NS.length)) === JPEG_NS)
      return new TextDecoder().decode(data.subarray(JPEG_NS.length));
    at += 2 + length;
  }
  return null;
}
