import { describe, expect, it } from 'vitest';
import { inflateSync } from 'node:zlib';
import { makePng } from '../../../test/fixtures/library/images';
import { crc32 } from '../registration/png';
import { addPngText, readPngText } from './png-text';
import { sniffImage } from './sniff';

describe('PNG text metadata', () => {
  it('computes the standard CRC-32', () => {
    expect(crc32(new TextEncoder().encode('123456789')).toString(16)).toBe('cbf43926');
  });

  it('writes Title and Author after IHDR and reads them back (Latin-1 and UTF-8)', () => {
    const png = makePng(3, 2);
    const out = addPngText(png, [
      { keyword: 'Title', text: 'Été à Paris' },
      { keyword: 'Author', text: '葛飾北斎 🌊' },
      { keyword: 'Comment', text: '' },
    ]);
    expect(readPngText(out)).toEqual([
      { keyword: 'Title', text: 'Été à Paris' },
      { keyword: 'Author', text: '葛飾北斎 🌊' },
    ]);
    // tEXt for Latin-1, iTXt for the rest; the image itself is untouched.
    const ascii = String.fromCharCode(...out);
    expect(ascii.indexOf('tEXtTitle')).toBe(33 + 4);
    expect(ascii).toContain('iTXtAuthor');
    expect(sniffImage(out, 'x')).toMatchObject({ width: 3, height: 2 });
    expect(out.length).toBe(png.length + (12 + 5 + 1 + 11) + (12 + 6 + 5 + 17));
  });

  it('keeps every chunk CRC valid', () => {
    const out = addPngText(makePng(4, 4), [{ keyword: 'Title', text: 'x' }]);
    const view = new DataView(out.buffer);
    let idat: Uint8Array | undefined;
    for (let at = 8; at < out.length;) {
      const length = view.getUint32(at);
      expect(view.getUint32(at + 8 + length)).toBe(crc32(out.subarray(at + 4, at + 8 + length)));
      if (String.fromCharCode(...out.subarray(at + 4, at + 8)) === 'IDAT') {
        idat = out.subarray(at + 8, at + 8 + length);
      }
      at += 12 + length;
    }
    expect(inflateSync(idat!).length).toBe(4 * (4 * 3 + 1));
  });

  it('refuses non-PNG input and bad keywords', () => {
    expect(() => addPngText(new Uint8Array(40), [])).toThrowError('Not a PNG file.');
    expect(() => addPngText(makePng(1, 1), [{ keyword: '', text: 'a' }])).toThrowError(
      '"" is not a valid PNG text keyword.',
    );
  });
});
