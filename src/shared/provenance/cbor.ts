/**
 * A minimal deterministic CBOR encoder (RFC 8949) for COSE structures: unsigned and negative
 * integers, byte and text strings, arrays, maps (entries kept in the given order), tags and null.
 */
import { concatBytes } from '../bytes';

export type CborValue = number | string | Uint8Array | null | CborValue[] | CborMap | CborTag;

export class CborMap {
  constructor(readonly entries: ReadonlyArray<readonly [CborValue, CborValue]>) {}
}

export class CborTag {
  constructor(
    readonly tag: number,
    readonly value: CborValue,
  ) {}
}

function head(major: number, n: number): Uint8Array {
  const m = major << 5;
  if (n < 24) return Uint8Array.of(m | n);
  if (n < 0x100) return Uint8Array.of(m | 24, n);
  if (n < 0x10000) return Uint8Array.of(m | 25, n >> 8, n & 0xff);
  if (n < 0x100000000)
    return Uint8Array.of(m | 26, n >>> 24, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);
  throw new RangeError('CBOR lengths past 32 bits are not needed here');
}

/** Encodes `value`. @throws RangeError for non-integer numbers. */
export function encodeCbor(value: CborValue): Uint8Array {
  if (value === null) return Uint8Array.of(0xf6);
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new RangeError(`Not an integer: ${value}`);
    return value >= 0 ? head(0, value) : head(1, -1 - value);
  }
  if (typeof value === 'string') {
    const bytes = new TextEncoder().encode(value);
    return concatBytes([head(3, bytes.length), bytes]);
  }
  if (value instanceof Uint8Array) return concatBytes([head(2, value.length), value]);
  if (Array.isArray(value)) return concatBytes([head(4, value.length), ...value.map(encodeCbor)]);
  if (value instanceof CborMap) {
    return concatBytes([
      head(5, value.entries.length),
      ...value.entries.flatMap(([k, v]) => [encodeCbor(k), encodeCbor(v)]),
    ]);
  }
  return concatBytes([head(6, value.tag), encodeCbor(value.value)]);
}
