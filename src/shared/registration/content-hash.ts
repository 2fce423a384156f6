/**
 * The content hash a registration signs: SHA-256 of the PNG bytes without the registration
 * chunk and without the metadata an export wraps around it — Content Credentials (the C2PA
 * manifest store, a `caBX` chunk) and XMP (an `iTXt` keyed `XML:com.adobe.xmp`) — so a registered
 * PNG downloaded with credentials still hashes to what was signed. Registrations made before
 * metadata was left out hashed the PNG with it (`legacyContentHashOf`): for a PNG that has none,
 * both are the same. Runs anywhere WebCrypto does (page, worker, Node ≥ 20).
 */
import type { Hex } from 'viem';
import { concatBytes } from '../bytes';
import { decodeITXt, PNG_SIGNATURE, readChunks, stripRegistration, type PngChunk } from './png';

const XMP_KEYWORD = 'XML:com.adobe.xmp';

const isMetadata = (c: PngChunk) =>
  c.type === 'caBX' || (c.type === 'iTXt' && decodeITXt(c.data)?.keyword === XMP_KEYWORD);

/**
 * `png` without its Content Credentials and XMP chunks, byte for byte otherwise (bytes after IEND
 * included); unchanged when it has none.
 * @throws WalletError `png-invalid`.
 */
export function stripMetadata(png: Uint8Array): Uint8Array {
  const chunks = readChunks(png);
  if (!chunks.some(isMetadata)) return png;
  const last = chunks.at(-1)!;
  return concatBytes([
    PNG_SIGNATURE,
    ...chunks.filter((c) => !isMetadata(c)).map((c) => png.subarray(c.offset, c.offset + c.size)),
    png.subarray(last.offset + last.size),
  ]);
}

/** Lowercase `0x` hex of `bytes`. */
export function toHex(bytes: Uint8Array): Hex {
  let s = '0x';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s as Hex;
}

/** SHA-256 of `bytes`, as `0x` + 64 hex. */
export async function sha256(bytes: Uint8Array): Promise<Hex> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return toHex(new Uint8Array(digest));
}

/**
 * SHA-256 of `png` with any `atelier:registration` chunk, Content Credentials and XMP removed.
 * @throws WalletError `png-invalid` for a damaged PNG.
 */
export function contentHashOf(png: Uint8Array): Promise<Hex> {
  return sha256(stripMetadata(stripRegistration(png)));
}

/**
 * The hash registrations signed before metadata was left out: SHA-256 of `png` with only the
 * registration chunk removed.
 * @throws WalletError `png-invalid` for a damaged PNG.
 */
export function legacyContentHashOf(png: Uint8Array): Promise<Hex> {
  return sha256(stripRegistration(png));
}
