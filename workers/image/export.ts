/**
 * Exports an image as PNG, JPEG or WebP at a chosen quality, at its own size or resized (a long
 * edge, or an exact size filled from the middle; export-presets.ts plans it), with an optional
 * text watermark; PNGs carry the title and author as text metadata (tEXt/iTXt) when given. Runs
 * in the image worker.
 */
import { LibraryError } from '../../src/shared/errors/library';
import type { ExportPlan } from '../../src/shared/library/export-presets';
import { addPngText } from '../../src/shared/library/png-text';
import { cleanLine } from '../../src/shared/library/text';
import { decode, encodeCanvas } from './ingest';

export type ExportType = 'image/png' | 'image/jpeg' | 'image/webp';

export interface ExportOptions {
  type: ExportType;
  /** 0..1 for JPEG and WebP; ignored for PNG. */
  quality?: number;
  title?: string;
  author?: string;
  /** Texts kept from the Write room (Work.texts): description, alt text, caption. */
  texts?: Readonly<Record<string, string>>;
  /** The size and the part of the image drawn; the whole image at its size without one. */
  plan?: ExportPlan;
  /** A line of text drawn in the bottom right corner. */
  watermark?: string;
}

/**
 * Draws `crop` of `bitmap` at `width` × `height`. A reduction by more than half goes in halving
 * steps first (one big step would skip source pixels and alias fine detail).
 */
function drawResized(
  ctx: OffscreenCanvasRenderingContext2D,
  bitmap: ImageBitmap,
  plan: ExportPlan,
): void {
  let source: CanvasImageSource = bitmap;
  let { x, y, width, height } = plan.crop;
  while (width / 2 >= plan.width && height / 2 >= plan.height) {
    const w = Math.max(1, Math.round(width / 2));
    const h = Math.max(1, Math.round(height / 2));
    const half = new OffscreenCanvas(w, h);
    const hctx = half.getContext('2d')!;
    hctx.imageSmoothingQuality = 'high';
    hctx.drawImage(source, x, y, width, height, 0, 0, w, h);
    source = half;
    [x, y, width, height] = [0, 0, w, h];
  }
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(source, x, y, width, height, 0, 0, plan.width, plan.height);
}

/** The watermark: white text with a soft dark edge, sized to the image, in the bottom right. */
function drawWatermark(ctx: OffscreenCanvasRenderingContext2D, text: string, w: number, h: number) {
  const size = Math.max(10, Math.round(Math.min(w, h) * 0.035));
  const margin = Math.round(size * 0.8);
  ctx.save();
  ctx.font = `600 ${size}px system-ui, sans-serif`;
  ctx.textAlign = 'right';
  ctx.textBaseline = 'alphabetic';
  ctx.globalAlpha = 0.8;
  ctx.shadowColor = 'rgba(0, 0, 0, 0.6)';
  ctx.shadowBlur = Math.max(2, size / 6);
  ctx.fillStyle = '#ffffff';
  ctx.fillText(text, w - margin, h - margin, w - 2 * margin);
  ctx.restore();
}

/** Multi-line text for PNG metadata: no control characters but newlines, bounded. */
const cleanText = (text: string | undefined) =>
  [...(text ?? '')]
    .map((ch) => (ch === '\n' || (ch >= ' ' && ch !== '\u007f') ? ch : ' '))
    .join('')
    .trim()
    .slice(0, 10_000);

/**
 * @throws LibraryError `decode-failed`, or `unsupported-format` when this browser cannot write
 *   the type asked (it would silently give PNG otherwise).
 */
export async function exportImage(source: Blob, options: ExportOptions): Promise<Blob> {
  const bitmap = await decode(source, cleanLine(options.title ?? '') || 'the image');
  let out: Blob;
  try {
    const plan = options.plan;
    const canvas = new OffscreenCanvas(plan?.width ?? bitmap.width, plan?.height ?? bitmap.height);
    const ctx = canvas.getContext('2d')!;
    if (options.type === 'image/jpeg') {
      // JPEG has no alpha: put transparent areas on white rather than black.
      ctx.fillStyle = '#ffffff';
      ctx.fillRect(0, 0, canvas.width, canvas.height);
    }
    const whole =
      !plan ||
      (plan.width === bitmap.width &&
        plan.height === bitmap.height &&
        plan.crop.x === 0 &&
        plan.crop.y === 0 &&
        plan.crop.width === bitmap.width &&
        plan.crop.height === bitmap.height);
    if (whole) ctx.drawImage(bitmap, 0, 0);
    else drawResized(ctx, bitmap, plan);
    const mark = cleanLine(options.watermark ?? '');
    if (mark) drawWatermark(ctx, mark, canvas.width, canvas.height);
    const quality =
      options.type === 'image/png'
        ? undefined
        : Math.min(1, Math.max(0.05, options.quality ?? 0.9));
    out = await encodeCanvas(canvas, options.type, quality);
  } finally {
    bitmap.close();
  }
  if (out.type !== options.type) {
    throw new LibraryError(
      'unsupported-format',
      `This browser cannot write ${options.type.replace('image/', '').toUpperCase()} files.`,
    );
  }
  if (options.type !== 'image/png') return out;
  const texts = options.texts ?? {};
  const entries = [
    { keyword: 'Title', text: cleanLine(options.title ?? '') },
    { keyword: 'Author', text: cleanLine(options.author ?? '') },
    { keyword: 'Software', text: 'Atelier' },
    // Kept Write-room texts travel with the file (standard keywords where PNG has them).
    ...[
      { keyword: 'Description', text: cleanText(texts.description) },
      { keyword: 'Alt Text', text: cleanText(texts.alt) },
      { keyword: 'Comment', text: cleanText(texts.caption) },
    ].filter((e) => e.text),
  ];
  const withText = addPngText(new Uint8Array(await out.arrayBuffer()), entries);
  return new Blob([withText as BlobPart], { type: 'image/png' });
}
