import { describe, expect, it } from 'vitest';
import { makeJpegHeader, makePng, makeWebpHeader } from '../../../test/fixtures/library/images';
import { readPngText } from '../library/png-text';
import { sniffImage } from '../library/sniff';
import { addXmp, DATA_MINING, dataMiningXmp, readXmp } from './xmp';

const text = (b: Uint8Array) => String.fromCharCode(...b);

describe('XMP data mining', () => {
  it('states each choice with the PLUS vocabulary, the conditions pointed to when constrained', () => {
    expect(dataMiningXmp('notAllowed')).toContain(
      '<plus:DataMining>http://ns.useplus.org/ldf/vocab/DMI-PROHIBITED</plus:DataMining>',
    );
    expect(dataMiningXmp('allowed')).toContain(`>${DATA_MINING.allowed}<`);
    expect(dataMiningXmp('allowed')).not.toContain('OtherConstraints');
    expect(dataMiningXmp('constrained')).toContain('DMI-PROHIBITED-SEECONSTRAINT');
    expect(dataMiningXmp('constrained')).toContain('<plus:OtherConstraints>');
    expect(dataMiningXmp('notAllowed')).toMatch(
      /^<\?xpacket begin=.*\?>[\s\S]*<\?xpacket end="w"\?>$/,
    );
  });

  it('PNG: an iTXt chunk after IHDR, read back whole; the other text and the pixels untouched', () => {
    const png = makePng(12, 8, { noiseSeed: 3 });
    const out = addXmp(png, 'image/png', dataMiningXmp('allowed'));
    expect(readXmp(out, 'image/png')).toBe(dataMiningXmp('allowed'));
    expect(text(out.subarray(37, 41))).toBe('iTXt'); // right after the 25-byte IHDR chunk
    expect(readPngText(out).map((e) => e.keyword)).toEqual(['XML:com.adobe.xmp']);
    expect(out.length - png.length).toBe(
      12 + 17 + 5 + new TextEncoder().encode(dataMiningXmp('allowed')).length,
    );
    expect(readXmp(png, 'image/png')).toBeNull();
    expect(() => addXmp(out, 'image/png', dataMiningXmp('allowed'))).toThrow(/already/);
  });

  it('JPEG: an APP1 segment after JFIF, read back; the file still sniffs to its size', () => {
    const jpeg = makeJpegHeader(40, 30);
    const out = addXmp(jpeg, 'image/jpeg', dataMiningXmp('notAllowed'));
    expect(readXmp(out, 'image/jpeg')).toBe(dataMiningXmp('notAllowed'));
    expect([out[20], out[21]]).toEqual([0xff, 0xe1]); // SOI (2) + APP0 (18)
    const size = sniffImage(out, 'x.jpg');
    expect(size).toMatchObject({ width: 40, height: 30 });
    expect(() => addXmp(Uint8Array.of(1, 2, 3), 'image/jpeg', 'x')).toThrow(RangeError);
  });

  it('WebP: simple files become extended with the XMP flag and their canvas size; extended ones get the flag', () => {
    for (const kind of ['VP8 ', 'VP8L', 'VP8X'] as const) {
      const webp = makeWebpHeader(kind, 321, 123);
      const out = addXmp(webp, 'image/webp', dataMiningXmp('constrained'));
      expect(readXmp(out, 'image/webp'), kind).toBe(dataMiningXmp('constrained'));
      const view = new DataView(out.buffer, out.byteOffset);
      expect(view.getUint32(4, true), kind).toBe(out.length - 8);
      expect(text(out.subarray(12, 16)), kind).toBe('VP8X');
      expect(out[20]! & 0x04, kind).toBe(0x04);
      expect(sniffImage(out, 'x.webp'), kind).toMatchObject({ width: 321, height: 123 });
      // The image chunk follows unchanged.
      if (kind !== 'VP8X') expect(text(out.subarray(30, 34)), kind).toBe(kind);
    }
  });
});
