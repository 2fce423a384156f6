/**
 * The few ASN.1 DER encodings an X.509 certificate needs (ITU-T X.690): lengths, INTEGER, OID,
 * strings, times, BIT/OCTET STRING, SEQUENCE/SET and context tags. Encoding only; pure.
 */

import { concatBytes } from '../bytes';

export type Der = Uint8Array;

function length(n: number): Uint8Array {
  if (n < 0x80) return Uint8Array.of(n);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

/** A tag-length-value with `tag` over the concatenated `content`. */
export function tlv(tag: number, ...content: readonly Uint8Array[]): Der {
  const body = concatBytes(content);
  return concatBytes([Uint8Array.of(tag), length(body.length), body]);
}

export const sequence = (...items: readonly Der[]): Der => tlv(0x30, ...items);
export const set = (...items: readonly Der[]): Der => tlv(0x31, ...items);
/** `[n]` EXPLICIT (constructed context tag). */
export const explicit = (n: number, ...items: readonly Der[]): Der => tlv(0xa0 | n, ...items);
export const octetString = (bytes: Uint8Array): Der => tlv(0x04, bytes);
export const bitString = (bytes: Uint8Array, unusedBits = 0): Der =>
  tlv(0x03, Uint8Array.of(unusedBits), bytes);
export const utf8String = (text: string): Der => tlv(0x0c, new TextEncoder().encode(text));
export const boolean = (value: boolean): Der => tlv(0x01, Uint8Array.of(value ? 0xff : 0));

/** A non-negative INTEGER from big-endian bytes (leading zeros trimmed, sign byte added). */
export function unsignedInteger(bytes: Uint8Array): Der {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const trimmed = bytes.subarray(start);
  const body = trimmed[0]! & 0x80 ? concatBytes([Uint8Array.of(0), trimmed]) : trimmed;
  return tlv(0x02, body);
}

export const smallInteger = (n: number): Der => unsignedInteger(Uint8Array.of(n));

/** An OBJECT IDENTIFIER from its dotted form. */
export function oid(dotted: string): Der {
  const arcs = dotted.split('.').map(Number);
  const out: number[] = [40 * arcs[0]! + arcs[1]!];
  for (const arc of arcs.slice(2)) {
    const chunk: number[] = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) {
      chunk.unshift(0x80 | (v & 0x7f));
    }
    out.push(...chunk);
  }
  return tlv(0x06, Uint8Array.from(out));
}

/** UTCTime before 2050, GeneralizedTime from then on (RFC 5280 §4.1.2.5). */
export function time(date: Date): Der {
  const iso = date.toISOString().replace(/[-:T]/g, '').slice(0, 14); // YYYYMMDDHHMMSS
  const year = date.getUTCFullYear();
  const text = year < 2050 ? `${iso.slice(2)}Z` : `${iso}Z`;
  return tlv(year < 2050 ? 0x17 : 0x18, new TextEncoder().encode(text));
}

/** An ECDSA signature as WebCrypto returns it (r ‖ s) in the DER form X.509 wants. */
export function ecdsaSignatureDer(raw: Uint8Array): Der {
  const half = raw.length / 2;
  return sequence(unsignedInteger(raw.subarray(0, half)), unsignedInteger(raw.subarray(half)));
}
