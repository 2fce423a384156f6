/** Image analysis in the worker: decode a Blob, sample it down, and run the pure analysis. */
import { analyzeImage, type ImageAnalysis } from '../../src/shared/write/analysis';

const SIDE = 256;

/** @throws Error when the image cannot be decoded. */
export async function analyzeBlob(blob: Blob): Promise<ImageAnalysis> {
  const bitmap = await createImageBitmap(blob);
  try {
    const scale = Math.min(1, SIDE / Math.max(bitmap.width, bitmap.height));
    const w = Math.max(1, Math.round(bitmap.width * scale));
    const h = Math.max(1, Math.round(bitmap.height * scale));
    const canvas = new OffscreenCanvas(w, h);
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) throw new Error('This browser cannot read image pixels in a worker.');
    ctx.drawImage(bitmap, 0, 0, w, h);
    const analysis = analyzeImage({ data: ctx.getImageData(0, 0, w, h).data, width: w, height: h });
    return { ...analysis, width: bitmap.width, height: bitmap.height };
  } finally {
    bitmap.close();
  }
}
