import { describe, expect, it } from 'vitest';
import {
  isPlainLabel,
  stackWords,
  versionDate,
  versionDetails,
  versionLine,
  type VersionFacts,
} from './version-words';

// 3 Dec 2026, 14:02 UTC.
const AT = Date.UTC(2026, 11, 3, 14, 2);
const UTC = { timeZone: 'UTC', now: Date.UTC(2026, 11, 4) };

const version: VersionFacts = {
  createdAt: AT,
  width: 902,
  height: 600,
  label: 'Rendered 12/3/2026, 2:02:00 PM',
  stack: {
    effects: [
      { id: 'a', effectId: 'neural:denoise', enabled: true, params: {} },
      { id: 'b', effectId: 'exposure', enabled: false, params: { ev: 1 } },
      { id: 'c', effectId: 'neural:upscale2x', enabled: true, params: {} },
    ],
  },
  engine: {
    engine: 'atelier-render/1',
    backend: 'wasm',
    adapter: '',
    ms: '2080',
    tiles: '4',
    base: 'original',
    models: 'denoise@78ffa9990d7d,upscale2x@de69e3388f11',
  },
};

describe('version words', () => {
  it('reads a version in plain words, in the artist’s locale', () => {
    expect(versionLine(version, { locale: 'en-GB', ...UTC })).toBe(
      'Rendered 3 Dec, 14:02 · 902 × 600 · Denoise, Upscale 2× · on the CPU',
    );
    expect(versionLine(version, { locale: 'en-US', ...UTC })).toBe(
      'Rendered Dec 3, 2:02 PM · 902 × 600 · Denoise, Upscale 2× · on the CPU',
    );
    expect(
      versionLine({ ...version, engine: { backend: 'webgpu' } }, { locale: 'de', ...UTC }),
    ).toBe('Rendered 3. Dez., 14:02 · 902 × 600 · Denoise, Upscale 2× · on the GPU');
  });

  it('adds the year to dates outside the current one', () => {
    expect(versionDate(AT, { locale: 'en-GB', timeZone: 'UTC', now: Date.UTC(2027, 0, 2) })).toBe(
      '3 Dec 2026, 14:02',
    );
  });

  it('names the enabled effects once each, in order', () => {
    expect(stackWords(version.stack)).toBe('Denoise, Upscale 2×');
    expect(
      stackWords({
        effects: [
          { effectId: 'matrix', enabled: true },
          { effectId: 'curve', enabled: true },
          { effectId: 'matrix', enabled: true },
        ],
      }),
    ).toBe('Colour matrix, Tone curve');
    expect(stackWords({ effects: [] })).toBe('No effects');
    expect(stackWords(null)).toBe('No effects');
  });

  it('keeps the technical record for Details, without empty values', () => {
    expect(versionDetails(version)).toBe(
      'engine atelier-render/1 · backend wasm · 2080 ms · 4 tiles · from original · ' +
        'models denoise@78ffa9990d7d, upscale2x@de69e3388f11',
    );
    expect(versionDetails({ engine: { tiles: '1', future: 'x' } })).toBe('1 tile · future x');
  });

  it('tells a label that only repeats the line from one that says more', () => {
    expect(isPlainLabel('Rendered 3 Dec, 14:02')).toBe(true);
    expect(isPlainLabel(version.label)).toBe(true);
    expect(isPlainLabel('Version')).toBe(true);
    expect(isPlainLabel('Preset “Warm”')).toBe(false);
  });
});
