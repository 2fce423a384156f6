/**
 * The import pipeline for one file, off the UI thread: read the bytes, identify the image and
 * check its size from the header (before any decoding), hash the original, decode it, and make a
 * thumbnail and a palette. Every failure is a LibraryError that names the file.
 */
import { LibraryError } from '../../src/shared/errors/library';
import { fitWithin, MAX_PIXELS, THUMB_SIDE } from '../../src/shared/library/budget';
import { sha256Hex } from '../../src/shared/library/hash';
import { checkDecodedSize, sniffImage } from '../../src/shared/library/sniff';
import { displayName } from '../../src/shared/library/text';
import { dominantColors } from './palette';

export interface Ingested {
  /** The original bytes, typed by what they are (not by the file name). */
  original: Blob;
  mime: string;
  width: number;
  height: number;
  sha256: string;
  thumb: Blob;
  thumbSha256: string;
  thumbWidth: number;
  thumbHeight: number;
  palette: string[];
}

/** Decodes `blob`, optionally resized on the way (cheaper for big JPEGs). */
export async function decode(
  blob: Blob,
  name: string,
  resize?: { width: number; height: number },
): Promise<ImageBitmap> {
  try {
    return await createImageBitmap(
      blob,
      resize
        ? { resizeWidth: resize.width, resizeHeight: resize.height, resizeQuality: 'high' }
        : {},
    );
  } catch (cause) {
    throw new LibraryError(
      'decode-failed',
      `"${displayName(name)}" could not be decoded: the image data is damaged or this browser ` +
        `cannot read it.`,
      { cause, details: { file: displayName(name) } },
    );
  }
}

/** Encodes a canvas, falling back to PNG where the browser cannot write the type asked. */
export async function encodeCanvas(
  canvas: OffscreenCanvas,
  type: string,
  quality?: number,
): Promise<Blob> {
  return canvas.convertToBlob(quality === undefined ? { type } : { type, quality });
}

/**
 * A thumbnail (longest side ≤ THUMB_SIDE, WebP) and the palette of a decoded image. The image is
 * decoded at its own size first and that frame is checked against the budget and the header
 * (`width`×`height`) before anything is drawn: the header only says what the file claims.
 * @throws LibraryError `decode-failed`, `too-large` or `corrupt` (decoded size ≠ header).
 */
export async function thumbnailOf(
  blob: Blob,
  name: string,
  width: number,
  height: number,
  maxPixels = MAX_PIXELS,
): Promise<{ thumb: Blob; width: number; height: number; palette: string[] }> {
  const bitmap = await decode(blob, name);
  try {
    checkDecodedSize(bitmap, { width, height }, name, maxPixels);
    const size = fitWithin(width, height, THUMB_SIDE);
    const canvas = new OffscreenCanvas(size.width, size.height);
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('no 2D canvas in this worker');
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(bitmap, 0, 0, size.width, size.height);
    const small = fitWithin(size.width, size.height, 64);
    const probe = new OffscreenCanvas(small.width, small.height);
    const probeCtx = probe.getContext('2d', { willReadFrequently: true })!;
    probeCtx.drawImage(canvas, 0, 0, small.width, small.height);
    const palette = dominantColors(probeCtx.getImageData(0, 0, small.width, small.height).data);
    const thumb = await encodeCanvas(canvas, 'image/webp', 0.82);
    return { thumb, ...size, palette };
  } finally {
    bitmap.close();
  }
}

/**
 * Prepares one file for the Library.
 * @throws LibraryError `empty-file`, `not-an-image`, `unsupported-format`, `truncated`,
 *   `corrupt`, `too-large` (before decoding, and again on the decoded frame) or `decode-failed`.
 */
export async function ingest(file: Blob, name: string, maxPixels = MAX_PIXELS): Promise<Ingested> {
  const buffer = await file.arrayBuffer();
  const bytes = new Uint8Array(buffer);
  const { mime, width, height } = sniffImage(bytes, name, maxPixels);
  const original = new Blob([buffer], { type: mime });
  const [sha256, made] = await Promise.all([
    sha256Hex(buffer),
    thumbnailOf(original, name, width, height, maxPixels),
  ]);
  return {
    original,
    mime,
    width,
    height,
    sha256,
    thumb: made.thumb,
    thumbSha256: await sha256Hex(made.thumb),
    thumbWidth: made.width,
    thumbHeight: made.height,
    palette: made.palette,
  };
}
