import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  checkTags,
  checkTitle,
  cleanLine,
  exportFileName,
  MAX_TITLE_LENGTH,
  titleFromFileName,
} from './text';

describe('library text', () => {
  it('derives titles from file names', () => {
    expect(titleFromFileName('IMG_0042.JPG')).toBe('IMG 0042');
    expect(titleFromFileName('.png')).toBe('Untitled');
    expect(titleFromFileName('x'.repeat(500) + '.png').length).toBe(MAX_TITLE_LENGTH);
  });

  it('checks titles and tags with clear reasons', () => {
    expect(checkTitle('  Sunset\u202e  over\u0007 sea ')).toEqual({
      ok: true,
      value: 'Sunset over sea',
    });
    expect(checkTitle(' \u200b ')).toEqual({ ok: false, reason: 'A title cannot be empty.' });
    expect(checkTitle('a'.repeat(201))).toEqual({
      ok: false,
      reason: 'A title has at most 200 characters.',
    });
    expect(checkTags(['Ink', 'ink', ' sea ', ''])).toEqual({ ok: true, value: ['Ink', 'sea'] });
    expect(checkTags(['x'.repeat(41)])).toEqual({
      ok: false,
      reason: 'A tag has at most 40 characters.',
    });
    expect(checkTags(Array.from({ length: 31 }, (_, i) => `t${i}`))).toEqual({
      ok: false,
      reason: 'A work has at most 30 tags.',
    });
  });

  it('makes safe export names', () => {
    expect(exportFileName('../../etc/passwd', 'png')).toBe('etc-passwd.png');
    expect(exportFileName('a<b>:c?', 'jpg')).toBe('a-b-c-.jpg');
    expect(exportFileName('\u202e', 'webp')).toBe('atelier-work.webp');
  });

  it('always yields well-formed, control-free text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const out = cleanLine(s);
        // eslint-disable-next-line no-control-regex -- checking they are gone
        expect(out).not.toMatch(/[\u0000-\u001f\u202a-\u202e]/);
        expect(out).toBe(out.trim());
        // encodeURIComponent throws on lone surrogates.
        expect(() => encodeURIComponent(out)).not.toThrow();
      }),
    );
  });
});
