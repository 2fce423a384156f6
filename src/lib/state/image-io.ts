/**
 * Browser image plumbing for the Render room: decode a stored blob to RGBA pixels (optionally
 * resized), encode pixels to PNG, make thumbnails, and save a file. Decoding keeps the file's
 * own sRGB values (`colorSpaceConversion: 'none'`, no premultiplication), which is what the
 * engine expects.
 */
import type { RenderImage } from '../compute/render-client';
import { checkDecodedSize } from '../../shared/library/sniff';

export interface Rgba {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

function context(width: number, height: number): OffscreenCanvasRenderingContext2D {
  const ctx = new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('This browser cannot draw images off screen.');
  return ctx;
}

/**
 * Decodes `blob`, resized to `size` when given. At its own size the decoded frame is checked
 * against the pixel budget and, when `expected` is given (the size the Library stored from the
 * header), against that, before its pixels are read (issue #20, defect 4).
 * @throws DOMException when it is not an image; LibraryError `too-large` or `corrupt`.
 */
export async function decodeImage(
  blob: Blob,
  size?: { width: number; height: number },
  expected?: { width: number; height: number; name: string },
): Promise<Rgba> {
  const bitmap = await createImageBitmap(blob, {
    colorSpaceConversion: 'none',
    premultiplyAlpha: 'none',
    ...(size ? { resizeWidth: size.width, resizeHeight: size.height, resizeQuality: 'high' } : {}),
  });
  try {
    if (!size) {
      const header = expected && { width: expected.width, height: expected.height };
      checkDecodedSize(bitmap, header, expected?.name ?? 'the image');
    }
    const ctx = context(bitmap.width, bitmap.height);
    ctx.drawImage(bitmap, 0, 0);
    const { data, width, height } = ctx.getImageData(0, 0, bitmap.width, bitmap.height);
    return { width, height, data };
  } finally {
    bitmap.close();
  }
}

/** Wraps engine output as pixels the canvas can draw (no copy). */
export function toRgba(image: RenderImage): Rgba {
  const { data } = image;
  const clamped =
    data instanceof Uint8ClampedArray
      ? data
      : new Uint8ClampedArray(data.buffer, data.byteOffset, data.byteLength);
  return { width: image.width, height: image.height, data: clamped };
}

function canvasOf(image: Rgba): OffscreenCanvas {
  const canvas = new OffscreenCanvas(image.width, image.height);
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('This browser cannot draw images off screen.');
  ctx.putImageData(
    new ImageData(new Uint8ClampedArray(image.data), image.width, image.height),
    0,
    0,
  );
  return canvas;
}

/** Lossless PNG of `image`. */
export function encodePng(image: Rgba): Promise<Blob> {
  return canvasOf(image).convertToBlob({ type: 'image/png' });
}

/** A thumbnail whose longest side is at most `max` (WebP, PNG where WebP is not encoded). */
export async function thumbnail(image: Rgba, max = 512): Promise<Blob> {
  const scale = Math.min(1, max / Math.max(image.width, image.height));
  const w = Math.max(1, Math.round(image.width * scale));
  const h = Math.max(1, Math.round(image.height * scale));
  const small = new OffscreenCanvas(w, h);
  const ctx = small.getContext('2d');
  if (!ctx) throw new Error('This browser cannot draw images off screen.');
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(canvasOf(image), 0, 0, w, h);
  const blob = await small.convertToBlob({ type: 'image/webp', quality: 0.85 });
  return blob.type === 'image/webp' ? blob : small.convertToBlob({ type: 'image/png' });
}

/** Offers `blob` as a download named `filename`. */
export function saveFile(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Draws `image` onto `canvas`, resizing the canvas to the image. */
export function paint(canvas: HTMLCanvasElement, image: Rgba): void {
  if (canvas.width !== image.width) canvas.width = image.width;
  if (canvas.height !== image.height) canvas.height = image.height;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const data =
    image.data.buffer instanceof ArrayBuffer
      ? new ImageData(image.data as Uint8ClampedArray<ArrayBuffer>, image.width, image.height)
      : new ImageData(new Uint8ClampedArray(image.data), image.width, image.height);
  ctx.putImageData(data, 0, 0);
}

/**
 * Paints `image` stretched to `width`×`height` (smoothly): the "before" of a compare when the
 * stack changed the size (Upscale 2×), so before and after fill the same canvas.
 */
export function paintScaled(
  canvas: HTMLCanvasElement,
  image: Rgba,
  width: number,
  height: number,
): void {
  if (image.width === width && image.height === height) {
    paint(canvas, image);
    return;
  }
  if (canvas.width !== width) canvas.width = width;
  if (canvas.height !== height) canvas.height = height;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = 'high';
  ctx.clearRect(0, 0, width, height);
  ctx.drawImage(canvasOf(image), 0, 0, width, height);
}
