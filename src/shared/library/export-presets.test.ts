import { describe, expect, it } from 'vitest';
import { LibraryError } from '../errors/library';
import {
  BUILT_IN_PRESETS,
  checkPreset,
  checkSettings,
  DEFAULT_EXPORT,
  exportPlan,
  sameSettings,
  settingsOf,
  sizeWords,
  uniqueNames,
  type ExportPreset,
} from './export-presets';

const preset = (over: Partial<Record<keyof ExportPreset, unknown>> = {}) => ({
  ...BUILT_IN_PRESETS[1]!,
  id: 'mine',
  ...over,
});

describe('export presets', () => {
  it('a long edge shrinks the longer side and never enlarges a small work', () => {
    expect(
      exportPlan({ width: 4000, height: 3000 }, { kind: 'long-edge', px: 2048 }),
    ).toMatchObject({
      width: 2048,
      height: 1536,
    });
    expect(
      exportPlan({ width: 1200, height: 3000 }, { kind: 'long-edge', px: 1000 }),
    ).toMatchObject({
      width: 400,
      height: 1000,
    });
    const small = exportPlan({ width: 800, height: 600 }, { kind: 'long-edge', px: 2048 });
    expect([small.width, small.height]).toEqual([800, 600]);
  });

  it('an exact size fills the frame from the middle, cutting the sides evenly', () => {
    const wide = exportPlan(
      { width: 4000, height: 2000 },
      { kind: 'exact', width: 1080, height: 1080 },
    );
    expect(wide).toEqual({
      width: 1080,
      height: 1080,
      crop: { x: 1000, y: 0, width: 2000, height: 2000 },
    });
    const tall = exportPlan(
      { width: 1000, height: 3000 },
      { kind: 'exact', width: 1080, height: 1350 },
    );
    expect(tall.crop.width).toBe(1000);
    expect(tall.crop.height).toBeCloseTo(1250, 6);
    expect(tall.crop.y).toBeCloseTo(875, 6);
    // A small work is enlarged to the exact size asked.
    expect(
      exportPlan({ width: 300, height: 300 }, { kind: 'exact', width: 1080, height: 1080 }).width,
    ).toBe(1080);
    expect(exportPlan({ width: 640, height: 480 }, { kind: 'original' })).toEqual({
      width: 640,
      height: 480,
      crop: { x: 0, y: 0, width: 640, height: 480 },
    });
  });

  it('every built-in preset checks, with a name in words', () => {
    for (const p of BUILT_IN_PRESETS) expect(checkPreset(p)).toEqual(p);
    expect(sizeWords({ kind: 'exact', width: 1080, height: 1350 })).toBe('1080 × 1350 px');
    expect(sizeWords({ kind: 'long-edge', px: 2048 })).toBe('long edge 2048 px');
  });

  it('refuses a damaged or out-of-range preset in plain words', () => {
    const cases: [unknown, RegExp][] = [
      [null, /not readable/],
      [preset({ name: '   ' }), /Give the preset a name/],
      [preset({ name: 'x'.repeat(61) }), /at most 60/],
      [preset({ type: 'image/gif' }), /PNG, JPEG or WebP/],
      [preset({ quality: 0 }), /between 5 and 100/],
      [preset({ quality: Number.NaN }), /between 5 and 100/],
      [preset({ size: { kind: 'long-edge', px: 8 } }), /long edge must be a whole number/],
      [preset({ size: { kind: 'exact', width: 1080.5, height: 10 } }), /width must be/],
      [preset({ size: { kind: 'tiny' } }), /Choose the size/],
      [preset({ metadata: 'maybe' }), /title, author and registration/],
      [preset({ watermark: 'w'.repeat(81) }), /at most 80/],
      [preset({ id: '../x' }), /not readable/],
    ];
    for (const [value, message] of cases) {
      let error: unknown;
      try {
        checkPreset(value);
      } catch (e) {
        error = e;
      }
      expect(error, String(message)).toBeInstanceOf(LibraryError);
      expect((error as Error).message).toMatch(message);
    }
    // Control characters in names and watermarks become spaces, the rest is kept.
    expect(checkPreset(preset({ name: 'Shop\u0007 prints', watermark: ' © Ada ' }))).toMatchObject({
      name: 'Shop prints',
      watermark: '© Ada',
    });
  });

  it('compares settings field by field, whatever order they were written in', () => {
    const web = settingsOf(BUILT_IN_PRESETS[1]!);
    expect(web).not.toHaveProperty('name');
    const reordered = {
      watermark: '',
      metadata: 'keep',
      size: { px: 2048, kind: 'long-edge' },
      quality: 0.85,
      type: 'image/jpeg',
    } as const;
    expect(sameSettings(web, reordered)).toBe(true);
    expect(sameSettings(web, { ...web, size: { kind: 'long-edge', px: 2047 } })).toBe(false);
    expect(sameSettings(web, { ...web, watermark: '©' })).toBe(false);
    expect(sameSettings(DEFAULT_EXPORT, settingsOf(BUILT_IN_PRESETS[0]!))).toBe(false);
    // A copy: changing it leaves the preset alone.
    web.size = { kind: 'original' };
    expect(BUILT_IN_PRESETS[1]!.size).toEqual({ kind: 'long-edge', px: 2048 });
    expect(checkSettings(DEFAULT_EXPORT)).toEqual(DEFAULT_EXPORT);
    expect(() => checkSettings({ ...DEFAULT_EXPORT, quality: 2 })).toThrow(/between 5 and 100/);
  });

  it('makes names in a zip unique, whatever their case', () => {
    expect(uniqueNames(['Dune.jpg', 'dune.jpg', 'Dune.jpg', 'Sea.jpg', 'README'])).toEqual([
      'Dune.jpg',
      'dune (2).jpg',
      'Dune (3).jpg',
      'Sea.jpg',
      'README',
    ]);
  });
});
