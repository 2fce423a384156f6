/**
 * The content hash a registration signs: SHA-256 of the PNG bytes without the registration
 * chunk. Runs anywhere WebCrypto does (page, worker, Node ≥ 20).
 */
import type { Hex } from 'viem';
import { stripRegistration } from './png';

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
 * SHA-256 of `png` with any `atelier:registration` chunk removed.
 * @throws WalletError `png-invalid` for a damaged PNG.
 */
export function contentHashOf(png: Uint8Array): Promise<Hex> {
  return sha256(stripRegistration(png));
}
