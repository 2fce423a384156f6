/**
 * Export presets: what an exported file is (format and quality, its size, whether the personal
 * metadata travels, an optional text watermark), as a few built-in presets for common places an
 * artist posts to and the artist's own, saved by name. Pure: the Library panel and the image
 * worker share it; unit-tested in Node.
 */
import { LibraryError } from '../errors/library';
import { MAX_SIDE } from './budget';
import { cleanLine } from './text';

export type ExportFormat = 'image/png' | 'image/jpeg' | 'image/webp';

/** The export's size: the work's own, its long edge at most `px`, or exactly width × height. */
export type ExportSize =
  | { kind: 'original' }
  | { kind: 'long-edge'; px: number }
  | { kind: 'exact'; width: number; height: number };

export interface ExportPreset {
  id: string;
  name: string;
  type: ExportFormat;
  /** 0.05–1 for JPEG and WebP; PNG is lossless. */
  quality: number;
  size: ExportSize;
  /** 'keep': title, author, kept texts and the registration travel; 'strip': none of them. */
  metadata: 'keep' | 'strip';
  /** A line of text in the bottom right corner; empty for none. */
  watermark: string;
}

export const MAX_PRESET_NAME = 60;
export const MAX_WATERMARK = 80;
export const MAX_SAVED_PRESETS = 30;

export const BUILT_IN_PRESETS: readonly ExportPreset[] = [
  {
    id: 'full-png',
    name: 'Full size PNG',
    type: 'image/png',
    quality: 1,
    size: { kind: 'original' },
    metadata: 'keep',
    watermark: '',
  },
  {
    id: 'web-jpeg',
    name: 'Web, 2048 px JPEG',
    type: 'image/jpeg',
    quality: 0.85,
    size: { kind: 'long-edge', px: 2048 },
    metadata: 'keep',
    watermark: '',
  },
  {
    id: 'square-post',
    name: 'Square post, 1080 × 1080',
    type: 'image/jpeg',
    quality: 0.9,
    size: { kind: 'exact', width: 1080, height: 1080 },
    metadata: 'keep',
    watermark: '',
  },
  {
    id: 'portrait-post',
    name: 'Portrait post, 1080 × 1350',
    type: 'image/jpeg',
    quality: 0.9,
    size: { kind: 'exact', width: 1080, height: 1350 },
    metadata: 'keep',
    watermark: '',
  },
  {
    id: 'story',
    name: 'Story, 1080 × 1920',
    type: 'image/jpeg',
    quality: 0.9,
    size: { kind: 'exact', width: 1080, height: 1920 },
    metadata: 'keep',
    watermark: '',
  },
  {
    id: 'link-preview',
    name: 'Link preview, 1200 × 630',
    type: 'image/jpeg',
    quality: 0.85,
    size: { kind: 'exact', width: 1200, height: 630 },
    metadata: 'keep',
    watermark: '',
  },
];

/** What an export is made with: a preset without its name. */
export type ExportSettings = Omit<ExportPreset, 'id' | 'name'>;

/** A preset's settings, a copy the caller may change. */
export function settingsOf(preset: ExportPreset): ExportSettings {
  const { id: _id, name: _name, ...settings } = preset;
  return structuredClone(settings);
}

/** The work panel's starting point: the work's own size as PNG, everything kept. */
export const DEFAULT_EXPORT: ExportSettings = {
  type: 'image/png',
  quality: 0.9,
  size: { kind: 'original' },
  metadata: 'keep',
  watermark: '',
};

/** Whether two exports would come out the same (the settings, field by field). */
export function sameSettings(a: ExportSettings, b: ExportSettings): boolean {
  const size = (s: ExportSize) =>
    s.kind === 'original'
      ? 'original'
      : s.kind === 'long-edge'
        ? `l${s.px}`
        : `e${s.width}x${s.height}`;
  return (
    a.type === b.type &&
    a.quality === b.quality &&
    size(a.size) === size(b.size) &&
    a.metadata === b.metadata &&
    a.watermark === b.watermark
  );
}

/** @throws LibraryError saying in words what is out of range (a size, the quality). */
export function checkSettings(settings: ExportSettings): ExportSettings {
  return settingsOf(checkPreset({ ...settings, id: 'export', name: 'Export' }));
}

export interface Size {
  width: number;
  height: number;
}

/** What to draw: the part of the source (`crop`, source pixels) and the size it is drawn at. */
export interface ExportPlan {
  width: number;
  height: number;
  crop: { x: number; y: number; width: number; height: number };
}

/**
 * How a `source` of this size becomes the export: the original as is; a long edge that never
 * enlarges (a small work stays its size); an exact size filled from the middle of the picture
 * (the sides that do not fit the new shape are cut evenly), enlarging if it must.
 */
export function exportPlan(source: Size, size: ExportSize): ExportPlan {
  const whole = { x: 0, y: 0, width: source.width, height: source.height };
  if (size.kind === 'original') return { width: source.width, height: source.height, crop: whole };
  if (size.kind === 'long-edge') {
    const scale = Math.min(1, size.px / Math.max(source.width, source.height));
    return {
      width: Math.max(1, Math.round(source.width * scale)),
      height: Math.max(1, Math.round(source.height * scale)),
      crop: whole,
    };
  }
  const want = size.width / size.height;
  const have = source.width / source.height;
  const crop =
    have > want
      ? {
          x: (source.width - source.height * want) / 2,
          y: 0,
          width: source.height * want,
          height: source.height,
        }
      : {
          x: 0,
          y: (source.height - source.width / want) / 2,
          width: source.width,
          height: source.width / want,
        };
  return { width: size.width, height: size.height, crop };
}

/** The size in words, for the preset list and the export's summary. */
export function sizeWords(size: ExportSize): string {
  if (size.kind === 'original') return 'full size';
  if (size.kind === 'long-edge') return `long edge ${size.px} px`;
  return `${size.width} × ${size.height} px`;
}

const FORMATS: readonly ExportFormat[] = ['image/png', 'image/jpeg', 'image/webp'];

function bad(message: string): LibraryError {
  return new LibraryError('invalid-text', message);
}

function side(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 16 || value > MAX_SIDE) {
    throw bad(`The ${what} must be a whole number of pixels from 16 to ${MAX_SIDE}.`);
  }
  return value;
}

/**
 * A preset checked field by field (a saved one may come from an older version or be damaged).
 * @throws LibraryError `invalid-text`, saying in plain words what is wrong.
 */
export function checkPreset(value: unknown): ExportPreset {
  if (typeof value !== 'object' || value === null) throw bad('This preset is not readable.');
  const p = value as Record<string, unknown>;
  const name = cleanLine(typeof p.name === 'string' ? p.name : '');
  if (!name) throw bad('Give the preset a name.');
  if (name.length > MAX_PRESET_NAME) {
    throw bad(`A preset name can be at most ${MAX_PRESET_NAME} characters.`);
  }
  if (!FORMATS.includes(p.type as ExportFormat)) throw bad('Choose PNG, JPEG or WebP.');
  const quality = typeof p.quality === 'number' && Number.isFinite(p.quality) ? p.quality : NaN;
  if (!(quality >= 0.05 && quality <= 1)) throw bad('The quality must be between 5 and 100.');
  const s = p.size as Record<string, unknown> | null | undefined;
  let size: ExportSize;
  if (s?.kind === 'original') size = { kind: 'original' };
  else if (s?.kind === 'long-edge') size = { kind: 'long-edge', px: side(s.px, 'long edge') };
  else if (s?.kind === 'exact') {
    size = { kind: 'exact', width: side(s.width, 'width'), height: side(s.height, 'height') };
  } else throw bad('Choose the size: full size, a long edge or an exact size.');
  if (p.metadata !== 'keep' && p.metadata !== 'strip') {
    throw bad('Choose whether the title, author and registration travel with the file.');
  }
  const watermark = cleanLine(typeof p.watermark === 'string' ? p.watermark : '');
  if (watermark.length > MAX_WATERMARK) {
    throw bad(`A watermark can be at most ${MAX_WATERMARK} characters.`);
  }
  const id = typeof p.id === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(p.id) ? p.id : '';
  if (!id) throw bad('This preset is not readable.');
  return { id, name, type: p.type as ExportFormat, quality, size, metadata: p.metadata, watermark };
}

/** Names in a zip made unique the way a file manager does: "Dune.jpg", "Dune (2).jpg". */
export function uniqueNames(names: readonly string[]): string[] {
  const seen = new Set<string>();
  return names.map((name) => {
    const dot = name.lastIndexOf('.');
    const [base, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
    let candidate = name;
    for (let n = 2; seen.has(candidate.toLowerCase()); n++) candidate = `${base} (${n})${ext}`;
    seen.add(candidate.toLowerCase());
    return candidate;
  });
}
