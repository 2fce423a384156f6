/**
 * The hash worker: prepares images for copyright registration and verification off the main
 * thread — converts to PNG when needed, strips any earlier registration chunk, and computes the
 * SHA-256 content hash and the 64-bit DCT perceptual hash (src/shared/registration/phash.ts).
 * PNGs are decoded with Atelier's own decoder so the perceptual hash is the same in every
 * browser and in Node; other formats go through the browser's decoder once, to PNG.
 */
import { expose, transfer } from 'comlink';
import '../src/shared/compute/lifeline';
import '../src/shared/comlink-errors';
import { WalletError } from '../src/shared/errors/wallet';
import { isPng } from '../src/shared/registration/png';
import { MAX_PIXELS } from '../src/shared/registration/png-codec';
import { pngFacts } from '../src/shared/registration/png-facts';

export interface AnalysedImage {
  /** The PNG without any registration chunk (what the content hash covers). */
  png: Uint8Array;
  /** The registration chunk's text found in the file, if any. */
  certificateText: string | null;
  /** How many registration chunks the file holds (more than one means tampering). */
  registrationChunks: number;
  contentHash: `0x${string}`;
  /** The hash older registrations signed, when it differs (the PNG holds credentials or XMP). */
  legacyContentHash?: `0x${string}`;
  perceptualHash: `0x${string}`;
  width: number;
  height: number;
  /** True when the input was not a PNG and was converted. */
  converted: boolean;
}

/** Decodes any image the browser can read and re-encodes it as PNG. */
async function toPng(bytes: Uint8Array, mime: string): Promise<Uint8Array> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: mime }), {
      colorSpaceConversion: 'none',
      premultiplyAlpha: 'none',
    });
  } catch (cause) {
    throw new WalletError('png-invalid', 'This file is not an image Atelier can read.', { cause });
  }
  try {
    if (bitmap.width * bitmap.height > MAX_PIXELS) {
      throw new WalletError('png-invalid', 'The image is too large to register.');
    }
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    canvas.getContext('2d')!.drawImage(bitmap, 0, 0);
    const blob = await canvas.convertToBlob({ type: 'image/png' });
    return new Uint8Array(await blob.arrayBuffer());
  } finally {
    bitmap.close();
  }
}

const api = {
  /**
   * @throws WalletError `png-invalid` for files that are not readable images.
   */
  async analyse(bytes: Uint8Array, mime = ''): Promise<AnalysedImage> {
    const converted = !isPng(bytes);
    const png = converted ? await toPng(bytes, mime || 'application/octet-stream') : bytes;
    const result: AnalysedImage = { ...(await pngFacts(png)), converted };
    return transfer(result, [result.png.buffer as ArrayBuffer]);
  },
};

export type HashApi = typeof api;
expose(api);
