/**
 * The studio's C2PA signing identity, made on the device with WebCrypto: ECDSA P-256 keys created
 * non-extractable (Atelier never sees private key bytes), and a two-certificate chain carrying the
 * studio's name — a self-signed studio root and the signing certificate it issues. C2PA readers
 * (c2pa-rs) refuse a self-signed *signing* certificate outright, so the root is the self-signed
 * one; no trust list knows it, and verifiers will call the signer unknown.
 *
 * `sign` returns a whole COSE_Sign1 (RFC 9052, tag 18) over the claim bytes, as the CAI's wasm
 * builder wants from a signer with direct COSE handling: protected header {alg: ES256, x5chain},
 * detached payload, raw r ‖ s signature.
 */
import { CborMap, CborTag, encodeCbor } from './cbor';
import {
  bitString,
  boolean,
  ecdsaSignatureDer,
  explicit,
  octetString,
  oid,
  sequence,
  set,
  smallInteger,
  time,
  tlv,
  unsignedInteger,
  utf8String,
  type Der,
} from './der';

const ECDSA_SHA256 = '1.2.840.10045.4.3.2';
const COMMON_NAME = '2.5.4.3';
const ORGANIZATION = '2.5.4.10';
const BASIC_CONSTRAINTS = '2.5.29.19';
const KEY_USAGE = '2.5.29.15';
const EXT_KEY_USAGE = '2.5.29.37';
const SUBJECT_KEY_ID = '2.5.29.14';
const AUTHORITY_KEY_ID = '2.5.29.35';
const EMAIL_PROTECTION = '1.3.6.1.5.5.7.3.4';
const DOCUMENT_SIGNING = '1.3.6.1.5.5.7.3.36';
/** COSE: alg ES256 (-7), x5chain (33). */
const COSE_ALG = 1;
const COSE_ES256 = -7;
const COSE_X5CHAIN = 33;
const COSE_SIGN1_TAG = 18;

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGN = { name: 'ECDSA', hash: 'SHA-256' } as const;

export interface StudioIdentity {
  /** Non-extractable; only `crypto.subtle.sign` can use it. */
  signingKey: CryptoKey;
  /** DER certificates, signing certificate first, then the studio root. */
  chain: Uint8Array[];
  /** The name in the certificates (shown as the signer). */
  name: string;
}

function extension(id: string, critical: boolean, value: Der): Der {
  return critical
    ? sequence(oid(id), boolean(true), octetString(value))
    : sequence(oid(id), octetString(value));
}

function distinguishedName(commonName: string, organization: string): Der {
  return sequence(
    set(sequence(oid(COMMON_NAME), utf8String(commonName))),
    set(sequence(oid(ORGANIZATION), utf8String(organization))),
  );
}

async function keyId(publicKey: CryptoKey): Promise<Uint8Array> {
  const raw = new Uint8Array(await crypto.subtle.exportKey('raw', publicKey));
  return new Uint8Array(await crypto.subtle.digest('SHA-256', raw)).slice(0, 20);
}

interface CertificateOptions {
  subject: Der;
  issuer: Der;
  publicKey: CryptoKey;
  issuerKey: CryptoKey;
  extensions: Der[];
  notBefore: Date;
  notAfter: Date;
}

async function certificate(options: CertificateOptions): Promise<Uint8Array> {
  const serial = crypto.getRandomValues(new Uint8Array(16));
  serial[0]! &= 0x7f;
  serial[0]! |= 0x01;
  const algorithm = sequence(oid(ECDSA_SHA256));
  const spki = new Uint8Array(await crypto.subtle.exportKey('spki', options.publicKey));
  const tbs = sequence(
    explicit(0, smallInteger(2)),
    unsignedInteger(serial),
    algorithm,
    options.issuer,
    sequence(time(options.notBefore), time(options.notAfter)),
    options.subject,
    spki,
    explicit(3, sequence(...options.extensions)),
  );
  const raw = new Uint8Array(
    await crypto.subtle.sign(SIGN, options.issuerKey, tbs as Uint8Array<ArrayBuffer>),
  );
  return sequence(tbs, algorithm, bitString(ecdsaSignatureDer(raw)));
}

/**
 * Makes a new per-installation identity: two non-extractable P-256 keys (the root's key signs
 * the signing certificate and is then dropped), and the chain with `name` in both certificates.
 */
export async function createStudioIdentity(options: {
  name: string;
  now?: Date;
}): Promise<StudioIdentity> {
  const now = options.now ?? new Date();
  const notBefore = new Date(now.getTime() - 24 * 3600 * 1000);
  const notAfter = new Date(now.getTime() + 10 * 365 * 24 * 3600 * 1000);
  const [root, signer] = await Promise.all([
    crypto.subtle.generateKey(ALGORITHM, false, ['sign', 'verify']),
    crypto.subtle.generateKey(ALGORITHM, false, ['sign', 'verify']),
  ]);
  const rootName = distinguishedName(`${options.name} studio root`, options.name);
  const signerName = distinguishedName(options.name, options.name);
  const [rootId, signerId] = await Promise.all([keyId(root.publicKey), keyId(signer.publicKey)]);
  const rootCert = await certificate({
    subject: rootName,
    issuer: rootName,
    publicKey: root.publicKey,
    issuerKey: root.privateKey,
    notBefore,
    notAfter,
    extensions: [
      extension(BASIC_CONSTRAINTS, true, sequence(boolean(true))),
      // keyCertSign (bit 5) and cRLSign (bit 6): 0b0000011, one unused bit.
      extension(KEY_USAGE, true, bitString(Uint8Array.of(0x06), 1)),
      extension(SUBJECT_KEY_ID, false, octetString(rootId)),
    ],
  });
  const signerCert = await certificate({
    subject: signerName,
    issuer: rootName,
    publicKey: signer.publicKey,
    issuerKey: root.privateKey,
    notBefore,
    notAfter,
    extensions: [
      extension(BASIC_CONSTRAINTS, true, sequence()),
      // digitalSignature (bit 0), seven unused bits.
      extension(KEY_USAGE, true, bitString(Uint8Array.of(0x80), 7)),
      extension(EXT_KEY_USAGE, false, sequence(oid(EMAIL_PROTECTION), oid(DOCUMENT_SIGNING))),
      extension(SUBJECT_KEY_ID, false, octetString(signerId)),
      extension(AUTHORITY_KEY_ID, false, sequence(tlv(0x80, rootId))),
    ],
  });
  return { signingKey: signer.privateKey, chain: [signerCert, rootCert], name: options.name };
}

const bstrHead = (n: number) => (n < 24 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : 5);

/**
 * A COSE_Sign1 over `claim` (detached payload) with the identity's key and chain, padded (the
 * unprotected `pad` header) to exactly `size` bytes: c2pa-rs reserved that much room for the
 * signature before hashing the file, and with direct COSE handling it does not pad it itself.
 * @throws RangeError when the signature does not fit in `size`.
 */
export async function coseSign1(
  identity: StudioIdentity,
  claim: Uint8Array,
  size = reserveSizeFor(identity),
): Promise<Uint8Array> {
  const protectedHeader = encodeCbor(
    new CborMap([
      [COSE_ALG, COSE_ES256],
      [COSE_X5CHAIN, identity.chain],
    ]),
  );
  const toBeSigned = encodeCbor(['Signature1', protectedHeader, new Uint8Array(0), claim]);
  const signature = new Uint8Array(
    await crypto.subtle.sign(SIGN, identity.signingKey, toBeSigned as Uint8Array<ArrayBuffer>),
  );
  const encode = (pad: number) =>
    encodeCbor(
      new CborTag(COSE_SIGN1_TAG, [
        protectedHeader,
        new CborMap([['pad', new Uint8Array(pad)]]),
        null,
        signature,
      ]),
    );
  const bare = encode(0).length; // with an empty pad (a 1-byte bstr head)
  for (const head of [1, 2, 3, 5]) {
    const pad = size - bare + 1 - head;
    if (pad >= 0 && bstrHead(pad) === head) return encode(pad);
  }
  throw new RangeError(`The signature needs more than the ${size} bytes reserved for it.`);
}

/** Room the manifest keeps for the signature (certificates plus padding). */
export function reserveSizeFor(identity: StudioIdentity): number {
  return identity.chain.reduce((n, c) => n + c.length, 0) + 1024;
}
