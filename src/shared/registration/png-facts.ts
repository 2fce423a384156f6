/**
 * What a verifier needs to know about a PNG (pure; the hash worker runs it, tests run it in Node):
 * the registration text it carries, how many registration chunks it holds, the content hash of
 * every byte outside our chunk, and the perceptual hash of its own pixels.
 */
import type { Hex } from 'viem';
import { contentHashOf, legacyContentHashOf } from './content-hash';
import { countRegistrations, readRegistration, stripRegistration } from './png';
import { decodePng } from './png-codec';
import { perceptualHash } from './phash';

export interface PngFacts {
  /** The PNG without any registration chunk (what the content hash covers). */
  png: Uint8Array;
  certificateText: string | null;
  registrationChunks: number;
  contentHash: Hex;
  /** The hash older registrations signed, when it differs (the PNG holds credentials or XMP). */
  legacyContentHash?: Hex;
  perceptualHash: Hex;
  width: number;
  height: number;
}

/** @throws WalletError `png-invalid` for a damaged, unsupported or oversized PNG. */
export async function pngFacts(bytes: Uint8Array): Promise<PngFacts> {
  const png = stripRegistration(bytes);
  const image = decodePng(png);
  const contentHash = await contentHashOf(png);
  const legacy = await legacyContentHashOf(png);
  return {
    png,
    certificateText: readRegistration(bytes),
    registrationChunks: countRegistrations(bytes),
    contentHash,
    ...(legacy !== contentHash ? { legacyContentHash: legacy } : {}),
    perceptualHash: perceptualHash(image) as Hex,
    width: image.width,
    height: image.height,
  };
}
