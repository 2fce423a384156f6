/** PNG chunks and codec: the registration chunk round trip, CRC checks, every colour format. */
import { zlibSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { addXmp } from '../../../src/shared/provenance/xmp';
import {
  contentHashOf,
  legacyContentHashOf,
  sha256,
  stripMetadata,
} from '../../../src/shared/registration/content-hash';
import { pngFacts } from '../../../src/shared/registration/png-facts';
import {
  PNG_SIGNATURE,
  REGISTRATION_KEYWORD,
  crc32,
  decodeITXt,
  embedRegistration,
  encodeChunk,
  encodeITXt,
  readChunks,
  readRegistration,
  stripRegistration,
} from '../../../src/shared/registration/png';
import { decodePng, encodePng } from '../../../src/shared/registration/png-codec';
import { scene } from './images';

const TEXT = JSON.stringify({ title: 'Über — 絵', n: 1 });

function png(parts: Array<[string, Uint8Array]>): Uint8Array {
  const chunks = parts.map(([t, d]) => encodeChunk(t, d));
  const out = new Uint8Array(8 + chunks.reduce((n, c) => n + c.length, 0));
  out.set(PNG_SIGNATURE);
  let at = 8;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

function ihdr(w: number, h: number, depth: number, colorType: number, interlace = 0) {
  const d = new Uint8Array(13);
  new DataView(d.buffer).setUint32(0, w);
  new DataView(d.buffer).setUint32(4, h);
  d.set([depth, colorType, 0, 0, interlace], 8);
  return d;
}

describe('PNG registration chunk', () => {
  const image = encodePng(scene(1, 24, 16));

  it('computes the standard CRC-32', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });

  it('embeds before IDAT, reads back, and strips to the original bytes', async () => {
    const signed = embedRegistration(image, TEXT);
    const types = readChunks(signed).map((c) => c.type);
    expect(types).toEqual(['IHDR', 'iTXt', 'IDAT', 'IEND']);
    expect(readRegistration(signed)).toBe(TEXT);
    expect(stripRegistration(signed)).toEqual(image);
    expect(await contentHashOf(signed)).toBe(await sha256(image));
    // The decoded picture is unchanged by the chunk.
    expect(decodePng(signed)).toEqual(decodePng(image));
  });

  it('replaces an earlier registration instead of adding a second', () => {
    const twice = embedRegistration(embedRegistration(image, TEXT), '{"second":true}');
    expect(readChunks(twice).filter((c) => c.type === 'iTXt')).toHaveLength(1);
    expect(readRegistration(twice)).toBe('{"second":true}');
  });

  it('leaves other iTXt chunks alone', () => {
    const other = encodeChunk('iTXt', encodeITXt('Comment', 'hello'));
    const withComment = new Uint8Array([...image.subarray(0, 33), ...other, ...image.subarray(33)]);
    expect(readRegistration(withComment)).toBeNull();
    const signed = embedRegistration(withComment, TEXT);
    expect(stripRegistration(signed)).toEqual(withComment);
    const comments = readChunks(signed)
      .filter((c) => c.type === 'iTXt')
      .map((c) => decodeITXt(c.data)?.keyword);
    expect(comments).toEqual(['Comment', REGISTRATION_KEYWORD]);
  });

  it('changes the content hash when one pixel byte changes', async () => {
    const signed = embedRegistration(image, TEXT);
    const chunks = readChunks(signed);
    const idat = chunks.find((c) => c.type === 'IDAT')!;
    const broken = signed.slice();
    // Flip a bit inside IDAT and fix the CRC, as a careful forger would.
    broken[idat.offset + 8 + 3]! ^= 1;
    new DataView(broken.buffer).setUint32(
      idat.offset + 8 + idat.data.length,
      crc32(broken, idat.offset + 4, idat.offset + 8 + idat.data.length),
    );
    expect(await contentHashOf(broken)).not.toBe(await contentHashOf(signed));
  });

  it.each([
    ['not a PNG', new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9])],
    ['truncated', image.subarray(0, image.length - 5)],
    [
      'a damaged CRC',
      (() => {
        const b = image.slice();
        b[30]! ^= 0xff;
        return b;
      })(),
    ],
  ])('refuses %s with png-invalid', (_name, bytes) => {
    expect(() => readRegistration(bytes)).toThrow(expect.objectContaining({ code: 'png-invalid' }));
  });

  it('leaves Content Credentials and XMP out of the content hash, and nothing else', async () => {
    const signed = embedRegistration(image, TEXT);
    // An export wraps metadata around it: XMP after IHDR, a C2PA store (caBX) before IDAT.
    const withXmp = addXmp(signed, 'image/png', '<x:xmpmeta xmlns:x="adobe:ns:meta/"/>');
    const chunks = readChunks(withXmp);
    const idat = chunks.find((c) => c.type === 'IDAT')!;
    const store = encodeChunk('caBX', new Uint8Array([1, 2, 3, 4, 5]));
    const wrapped = new Uint8Array([
      ...withXmp.subarray(0, idat.offset),
      ...store,
      ...withXmp.subarray(idat.offset),
    ]);
    expect(readChunks(wrapped).map((c) => c.type)).toEqual([
      'IHDR',
      'iTXt',
      'iTXt',
      'caBX',
      'IDAT',
      'IEND',
    ]);
    expect(stripMetadata(wrapped)).toEqual(signed);
    expect(stripMetadata(image)).toBe(image);
    expect(await contentHashOf(wrapped)).toBe(await sha256(image));
    // Registrations signed before: the file with its metadata. Reported only when it differs.
    expect(await legacyContentHashOf(wrapped)).toBe(await sha256(stripRegistration(wrapped)));
    expect((await pngFacts(wrapped)).legacyContentHash).toBe(await legacyContentHashOf(wrapped));
    expect((await pngFacts(signed)).legacyContentHash).toBeUndefined();
    // Any other chunk, or bytes after IEND, still count.
    const comment = encodeChunk('iTXt', encodeITXt('Comment', 'hello'));
    const commented = new Uint8Array([
      ...wrapped.subarray(0, idat.offset),
      ...comment,
      ...wrapped.subarray(idat.offset),
    ]);
    expect(await contentHashOf(commented)).not.toBe(await sha256(image));
    const appended = new Uint8Array([...wrapped, 0]);
    expect(await contentHashOf(appended)).not.toBe(await sha256(image));
  });

  it('pins the damaged-chunk message', () => {
    const b = image.slice();
    b[30]! ^= 0xff;
    expect(() => readChunks(b)).toThrowErrorMatchingInlineSnapshot(
      `[WalletError: The PNG's IHDR chunk is damaged (CRC mismatch).]`,
    );
  });
});

describe('PNG codec', () => {
  it('defect 5: never inflates more than the header says (1×1 header, 64 MiB of zeros)', () => {
    const zeros = zlibSync(new Uint8Array(64 * 1024 * 1024), { level: 9 });
    const bomb = png([
      ['IHDR', ihdr(1, 1, 8, 6)],
      ['IDAT', zeros],
      ['IEND', new Uint8Array(0)],
    ]);
    const before = process.memoryUsage().arrayBuffers;
    expect(() => decodePng(bomb)).toThrow(
      expect.objectContaining({
        code: 'png-invalid',
        message: 'The PNG holds more image data than its header says, so it was not unpacked.',
      }),
    );
    // It stops at the first slice that goes past 5 bytes: no 64 MiB buffer, no full inflate.
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(32 * 1024 * 1024);
    // The honest 1×1 image still decodes.
    const honest = png([
      ['IHDR', ihdr(1, 1, 8, 6)],
      ['IDAT', zlibSync(new Uint8Array([0, 1, 2, 3, 4]))],
      ['IEND', new Uint8Array(0)],
    ]);
    expect(decodePng(honest).data).toEqual(new Uint8Array([1, 2, 3, 4]));
  });

  it('round-trips RGBA with every filter', () => {
    const img = scene(3, 33, 17);
    for (const filter of [0, 1, 2, 3, 4, 'adaptive'] as const) {
      expect(decodePng(encodePng(img, { filter }))).toEqual(img);
    }
  });

  it('decodes palette PNGs with tRNS', () => {
    const palette = new Uint8Array([255, 0, 0, 0, 255, 0, 0, 0, 255]);
    // 3×2 pixels, 2-bit indices: row 0 = 0 1 2, row 1 = 2 1 0.
    const raw = new Uint8Array([0, 0b00011000, 0, 0b10010000]);
    const bytes = png([
      ['IHDR', ihdr(3, 2, 2, 3)],
      ['PLTE', palette],
      ['tRNS', new Uint8Array([255, 128])],
      ['IDAT', zlibSync(raw)],
      ['IEND', new Uint8Array()],
    ]);
    const { data } = decodePng(bytes);
    expect([...data.subarray(0, 12)]).toEqual([255, 0, 0, 255, 0, 255, 0, 128, 0, 0, 255, 255]);
    expect([...data.subarray(12, 16)]).toEqual([0, 0, 255, 255]);
  });

  it('decodes 1-bit grey and 16-bit RGB', () => {
    const grey = png([
      ['IHDR', ihdr(4, 1, 1, 0)],
      ['IDAT', zlibSync(new Uint8Array([0, 0b10100000]))],
      ['IEND', new Uint8Array()],
    ]);
    expect([...decodePng(grey).data.filter((_, i) => i % 4 === 0)]).toEqual([255, 0, 255, 0]);
    const rgb16 = png([
      ['IHDR', ihdr(1, 1, 16, 2)],
      ['IDAT', zlibSync(new Uint8Array([0, 0x12, 0x34, 0xab, 0xcd, 0xff, 0xff]))],
      ['IEND', new Uint8Array()],
    ]);
    expect([...decodePng(rgb16).data]).toEqual([0x12, 0xab, 0xff, 255]);
  });

  it('decodes 8-bit RGB, with and without a tRNS colour key', () => {
    const raw = new Uint8Array([1, 10, 20, 30, 40, 50, 60, 2, 0, 0, 0, 1, 1, 1]);
    const parts = (extra: Array<[string, Uint8Array]>): Array<[string, Uint8Array]> => [
      ['IHDR', ihdr(2, 2, 8, 2)],
      ...extra,
      ['IDAT', zlibSync(raw)],
      ['IEND', new Uint8Array()],
    ];
    // Row 0 (Sub filter): (10,20,30), (50,70,90); row 1 (Up): (10,20,30), (51,71,91).
    const expected = [10, 20, 30, 255, 50, 70, 90, 255, 10, 20, 30, 255, 51, 71, 91, 255];
    expect([...decodePng(png(parts([]))).data]).toEqual(expected);
    const keyed = decodePng(png(parts([['tRNS', new Uint8Array([0, 10, 0, 20, 0, 30])]])));
    expect([...keyed.data].filter((_, i) => i % 4 === 3)).toEqual([0, 255, 0, 255]);
  });

  it('decodes Adam7-interlaced images to the same pixels', () => {
    const img = scene(5, 11, 9);
    const passes = [
      [0, 0, 8, 8],
      [4, 0, 8, 8],
      [0, 4, 4, 8],
      [2, 0, 4, 4],
      [0, 2, 2, 4],
      [1, 0, 2, 2],
      [0, 1, 1, 2],
    ];
    const raw: number[] = [];
    for (const [ox, oy, dx, dy] of passes) {
      for (let y = oy!; y < img.height; y += dy!) {
        if (ox! >= img.width) continue;
        raw.push(0);
        for (let x = ox!; x < img.width; x += dx!)
          raw.push(...img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 4));
      }
    }
    const bytes = png([
      ['IHDR', ihdr(img.width, img.height, 8, 6, 1)],
      ['IDAT', zlibSync(new Uint8Array(raw))],
      ['IEND', new Uint8Array()],
    ]);
    expect(decodePng(bytes)).toEqual(img);
  });

  it('refuses decode bombs and missing data', () => {
    const huge = png([
      ['IHDR', ihdr(100_000, 100_000, 8, 6)],
      ['IDAT', zlibSync(new Uint8Array(1))],
      ['IEND', new Uint8Array()],
    ]);
    expect(() => decodePng(huge)).toThrowErrorMatchingInlineSnapshot(
      `[WalletError: The PNG is too large to check.]`,
    );
    const short = png([
      ['IHDR', ihdr(4, 4, 8, 6)],
      ['IDAT', zlibSync(new Uint8Array(10))],
      ['IEND', new Uint8Array()],
    ]);
    expect(() => decodePng(short)).toThrow(expect.objectContaining({ code: 'png-invalid' }));
  });
});
