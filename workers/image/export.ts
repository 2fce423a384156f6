/**
 * Exports an image as PNG, JPEG or WebP at a chosen quality; PNGs carry the title and author as
 * text metadata (tEXt/iTXt). Runs in the image worker.
 */
import { LibraryError } from '../../src/shared/errors/library';
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
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const ctx = canvas.getContext('2d')!;
    if (options.type === 'image/jpeg') {
      // JPEG has no alpha: put transparent areas on white rather than black.
      ctx.fillStyle = '#ffffff';
      ctx.fillRect(0, 0, canvas.width, canvas.height);
    }
    ctx.drawImage(bitmap, 0, 0);
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
