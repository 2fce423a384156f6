import { describe, expect, it } from 'vitest';
import {
  encode,
  makeAvifHeader,
  makeBmpHeader,
  makeCorruptPng,
  makeGifHeader,
  makeJpegHeader,
  makePng,
  makePngHeaderOnly,
  makeWebpHeader,
} from '../../../test/fixtures/library/images';
import { MAX_PIXELS } from './budget';
import { sniffImage } from './sniff';

function failure(bytes: Uint8Array, name = 'x.png') {
  try {
    sniffImage(bytes, name);
  } catch (error) {
    const e = error as { code: string; message: string };
    return { code: e.code, message: e.message };
  }
  throw new Error('expected sniffImage to throw');
}

describe('GIF frames (issue #20, defect 4)', () => {
  it('sizes a GIF by its frames too: a "1×1" GIF with a 12000×12000 frame is too large', () => {
    const bomb = makeGifHeader(1, 1, { width: 12000, height: 12000 });
    let error: unknown;
    try {
      sniffImage(bomb, 'tiny.gif');
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({
      code: 'too-large',
      message:
        '"tiny.gif" is too large (12000×12000, 144 MP); the limit is 100 MP and 32767 px a side.',
    });
    expect(
      sniffImage(makeGifHeader(1, 1, { left: 20, top: 5, width: 10, height: 10 }), 'a.gif'),
    ).toMatchObject({
      width: 30,
      height: 15,
    });
    expect(sniffImage(makeGifHeader(300, 200), 'b.gif')).toMatchObject({ width: 300, height: 200 });
  });
});

describe('sniffImage', () => {
  it.each([
    ['png', makePng(7, 5), 'image/png'],
    ['jpeg', makeJpegHeader(640, 480), 'image/jpeg'],
    ['gif', makeGifHeader(300, 200), 'image/gif'],
    ['webp lossy', makeWebpHeader('VP8 ', 1024, 768), 'image/webp'],
    ['webp lossless', makeWebpHeader('VP8L', 1000, 3), 'image/webp'],
    ['webp extended', makeWebpHeader('VP8X', 5000, 4000), 'image/webp'],
    ['bmp (top-down)', makeBmpHeader(33, 17), 'image/bmp'],
    ['avif', makeAvifHeader(4032, 3024), 'image/avif'],
  ])('reads %s dimensions from the header', (_, bytes, mime) => {
    const result = sniffImage(bytes, 'a');
    expect(result.mime).toBe(mime);
    const expected: Record<string, [number, number]> = {
      'image/png': [7, 5],
      'image/jpeg': [640, 480],
      'image/gif': [300, 200],
      'image/bmp': [33, 17],
      'image/avif': [4032, 3024],
    };
    if (mime === 'image/webp') {
      expect(result.width * result.height).toBe(
        _ === 'webp lossy' ? 1024 * 768 : _ === 'webp lossless' ? 3000 : 5000 * 4000,
      );
    } else {
      expect([result.width, result.height]).toEqual(expected[mime]);
    }
  });

  it('trusts the bytes, not the name', () => {
    expect(sniffImage(makePng(2, 2), 'photo.jpg').format).toBe('png');
    expect(failure(encode('hello, I am text'), 'photo.png')).toEqual({
      code: 'not-an-image',
      message:
        '"photo.png" is not an image (its contents are not PNG, JPEG, WebP, GIF, AVIF or BMP).',
    });
  });

  it('refuses an empty file, naming it', () => {
    expect(failure(new Uint8Array(), 'empty.png')).toEqual({
      code: 'empty-file',
      message: '"empty.png" is empty (0 bytes).',
    });
  });

  it('refuses a decode bomb before decoding, with its size', () => {
    const bomb = makePngHeaderOnly(30000, 30000);
    expect(bomb.length).toBeLessThan(200);
    expect(failure(bomb, 'bomb.png')).toEqual({
      code: 'too-large',
      message:
        '"bomb.png" is too large (30000×30000, 900 MP); the limit is 100 MP and 32767 px a side.',
    });
    expect(failure(makeJpegHeader(12000, 9000), 'big.jpg').code).toBe('too-large');
    expect(failure(makeWebpHeader('VP8X', 16383, 16383)).code).toBe('too-large');
    // Exactly at the budget passes; one row more does not.
    expect(sniffImage(makePngHeaderOnly(10000, 10000), 'ok').width).toBe(10000);
    expect(MAX_PIXELS).toBe(100_000_000);
    expect(failure(makePngHeaderOnly(10000, 10001)).code).toBe('too-large');
    expect(failure(makePngHeaderOnly(40000, 10)).code).toBe('too-large');
  });

  it('finds truncated files of every format', () => {
    const png = makePng(20, 20);
    expect(failure(png.subarray(0, png.length - 20), 'cut.png')).toEqual({
      code: 'truncated',
      message: '"cut.png" is truncated: the file ends before the image does.',
    });
    expect(failure(png.subarray(0, 20)).code).toBe('truncated');
    expect(failure(makeJpegHeader(10, 10, { end: false })).code).toBe('truncated');
    expect(failure(makeJpegHeader(10, 10).subarray(0, 30)).code).toBe('truncated');
    const gif = makeGifHeader(10, 10);
    expect(failure(gif.subarray(0, gif.length - 1)).code).toBe('truncated');
    const webp = makeWebpHeader('VP8 ', 10, 10);
    expect(failure(webp.subarray(0, webp.length - 1)).code).toBe('truncated');
    const avif = makeAvifHeader(10, 10);
    expect(failure(avif.subarray(0, avif.length - 2)).code).toBe('truncated');
  });

  it('reports malformed headers as damaged', () => {
    const png = makeCorruptPng();
    expect(sniffImage(png, 'c').width).toBe(16); // the header is fine: decoding will fail
    const badIhdr = makePng(4, 4);
    badIhdr[12] = 0x78; // 'IHDR' → 'xHDR'
    expect(failure(badIhdr, 'bad.png')).toEqual({
      code: 'corrupt',
      message: '"bad.png" is a damaged PNG file: its PNG header is malformed.',
    });
    const zero = makePngHeaderOnly(0, 10);
    expect(failure(zero).code).toBe('corrupt');
  });

  it('refuses SVG, HEIC and TIFF with a reason', () => {
    expect(
      failure(encode('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>'), 'a.svg'),
    ).toEqual({
      code: 'unsupported-format',
      message: '"a.svg": SVG images are not imported: export it as PNG first.',
    });
    expect(failure(makeAvifHeader(10, 10, 'heic'), 'IMG_1.HEIC').code).toBe('unsupported-format');
    expect(failure(Uint8Array.of(0x49, 0x49, 0x2a, 0, 8, 0, 0, 0)).code).toBe('unsupported-format');
  });

  it('names files safely: bidi overrides and controls removed, long names cut', () => {
    const message = failure(new Uint8Array(), 'gpj\u202e.exe\u0000').message;
    expect(message).toBe('"gpj.exe" is empty (0 bytes).');
    const long = failure(new Uint8Array(), `${'a'.repeat(200)}.png`).message;
    expect(long.length).toBeLessThan(110);
  });

  it('never throws anything but a LibraryError on random bytes', () => {
    for (let seed = 1; seed < 400; seed++) {
      const bytes = Uint8Array.from({ length: (seed * 7) % 97 }, (_, i) => (i * seed * 31) & 0xff);
      // Start some with real magic numbers so the format parsers run on garbage.
      const magic = [
        makePng(1, 1),
        makeJpegHeader(1, 1),
        makeGifHeader(1, 1),
        makeAvifHeader(1, 1),
      ][seed % 4]!;
      const mixed = new Uint8Array([...magic.subarray(0, 4 + (seed % 12)), ...bytes]);
      for (const b of [bytes, mixed]) {
        try {
          sniffImage(b, 'r');
        } catch (error) {
          expect((error as Error).name).toBe('LibraryError');
        }
      }
    }
  });
});
