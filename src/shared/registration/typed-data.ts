/**
 * The copyright registration record: EIP-712 typed data, a public format that outside verifiers
 * rely on — keep it exactly so (domain name, version, field names, order and types).
 *
 * Pure (no wallet, no DOM): builds the typed data for a work, validates it before any wallet sees
 * it, and converts between the in-memory form (bigints) and the JSON form (decimal strings).
 */
import {
  getAddress,
  isAddress,
  validateTypedData,
  type Address,
  type Hex,
  type TypedDataDomain,
} from 'viem';
import { WalletError } from '../errors/wallet';

export const DOMAIN_NAME = 'Atelier Copyright Registry';
export const DOMAIN_VERSION = '1';
export const PRIMARY_TYPE = 'CopyrightRegistration';

/** The EIP-712 types, `EIP712Domain` included, exactly as embedded in certificates. */
export const REGISTRATION_TYPES = {
  EIP712Domain: [
    { name: 'name', type: 'string' },
    { name: 'version', type: 'string' },
    { name: 'chainId', type: 'uint256' },
    { name: 'verifyingContract', type: 'address' },
  ],
  CopyrightRegistration: [
    { name: 'contentHash', type: 'bytes32' },
    { name: 'perceptualHash', type: 'bytes8' },
    { name: 'title', type: 'string' },
    { name: 'author', type: 'address' },
    { name: 'createdAt', type: 'uint64' },
    { name: 'licenseId', type: 'string' },
    { name: 'nonce', type: 'uint256' },
  ],
} as const;

/** Licences offered in the UI: SPDX ids, plus `All-Rights-Reserved`. */
export const LICENSES = [
  { id: 'All-Rights-Reserved', label: 'All rights reserved' },
  { id: 'CC-BY-4.0', label: 'CC BY 4.0 (attribution)' },
  { id: 'CC-BY-SA-4.0', label: 'CC BY-SA 4.0 (attribution, share alike)' },
  { id: 'CC-BY-NC-4.0', label: 'CC BY-NC 4.0 (attribution, non-commercial)' },
  { id: 'CC-BY-NC-SA-4.0', label: 'CC BY-NC-SA 4.0' },
  { id: 'CC-BY-ND-4.0', label: 'CC BY-ND 4.0 (no derivatives)' },
  { id: 'CC-BY-NC-ND-4.0', label: 'CC BY-NC-ND 4.0' },
  { id: 'CC0-1.0', label: 'CC0 1.0 (public domain)' },
] as const;

export const MAX_TITLE_LENGTH = 200;
/** SPDX ids are letters, digits, `.`, `-` and `+` (license expressions are not accepted). */
const LICENSE_ID = /^[A-Za-z0-9][A-Za-z0-9.+-]{0,63}$/;
const BYTES32 = /^0x[0-9a-f]{64}$/;
const BYTES8 = /^0x[0-9a-f]{16}$/;
const MAX_UINT64 = 2n ** 64n - 1n;
const MAX_UINT256 = 2n ** 256n - 1n;

export interface RegistrationDomain {
  name: typeof DOMAIN_NAME;
  version: typeof DOMAIN_VERSION;
  chainId: number;
  verifyingContract: Address;
}

export interface RegistrationMessage {
  /** SHA-256 of the exported PNG without its registration chunk (0x + 64 lowercase hex). */
  contentHash: Hex;
  /** 64-bit DCT perceptual hash of the pixels (0x + 16 lowercase hex), see phash.ts. */
  perceptualHash: Hex;
  title: string;
  author: Address;
  /** Unix seconds, asserted by the author (not trusted: only an anchor's block time is). */
  createdAt: bigint;
  licenseId: string;
  /** Random 256-bit: offline signatures are submitted late and out of order. */
  nonce: bigint;
}

/** What `eth_signTypedData_v4` and viem's signers take (domain type added by the signer). */
export interface RegistrationTypedData {
  domain: RegistrationDomain;
  types: { CopyrightRegistration: (typeof REGISTRATION_TYPES)['CopyrightRegistration'] };
  primaryType: typeof PRIMARY_TYPE;
  message: RegistrationMessage;
}

/** A random 256-bit nonce from the platform's CSPRNG. */
export function randomNonce(): bigint {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return n;
}

export function makeDomain(chainId: number, verifyingContract: string): RegistrationDomain {
  return {
    name: DOMAIN_NAME,
    version: DOMAIN_VERSION,
    chainId,
    verifyingContract: verifyingContract as Address,
  };
}

export interface BuildRegistrationOptions {
  chainId: number;
  verifyingContract: string;
  contentHash: string;
  perceptualHash: string;
  title: string;
  author: string;
  /** Unix seconds. */
  createdAt: bigint | number;
  licenseId: string;
  nonce: bigint;
}

/**
 * Builds and validates the typed data for one registration. Addresses are checksummed, hashes
 * lowercased, the title trimmed.
 * @throws WalletError `registration-invalid` (details.field names the field) for anything a
 *   wallet or the contract would refuse or misread.
 */
export function buildRegistration(options: BuildRegistrationOptions): RegistrationTypedData {
  const typed: RegistrationTypedData = {
    domain: makeDomain(options.chainId, options.verifyingContract),
    types: { CopyrightRegistration: REGISTRATION_TYPES.CopyrightRegistration },
    primaryType: PRIMARY_TYPE,
    message: {
      contentHash: options.contentHash.toLowerCase() as Hex,
      perceptualHash: options.perceptualHash.toLowerCase() as Hex,
      title: options.title.trim(),
      author: options.author as Address,
      createdAt: BigInt(options.createdAt),
      licenseId: options.licenseId,
      nonce: options.nonce,
    },
  };
  return validateRegistration(typed);
}

function invalid(field: string, message: string): WalletError {
  return new WalletError('registration-invalid', message, { details: { field } });
}

/**
 * Checks typed data field by field, then with viem's EIP-712 validator, and returns it with
 * checksummed addresses.
 * @throws WalletError `registration-invalid`.
 */
export function validateRegistration(typed: RegistrationTypedData): RegistrationTypedData {
  const { domain, message } = typed;
  if (domain.name !== DOMAIN_NAME || domain.version !== DOMAIN_VERSION) {
    throw invalid('domain', 'The record is not an Atelier copyright registration.');
  }
  if (!Number.isSafeInteger(domain.chainId) || domain.chainId <= 0) {
    throw invalid('chainId', `The chain id ${String(domain.chainId)} is not valid.`);
  }
  if (typeof domain.verifyingContract !== 'string' || !isAddress(domain.verifyingContract)) {
    throw invalid('verifyingContract', 'The registry address is not a valid address.');
  }
  if (!BYTES32.test(message.contentHash)) {
    throw invalid('contentHash', 'The content hash must be 32 bytes of hex.');
  }
  if (!BYTES8.test(message.perceptualHash)) {
    throw invalid('perceptualHash', 'The perceptual hash must be 8 bytes of hex.');
  }
  if (typeof message.title !== 'string' || message.title.length === 0) {
    throw invalid('title', 'Give the work a title.');
  }
  if (message.title.length > MAX_TITLE_LENGTH) {
    throw invalid('title', `The title is longer than ${MAX_TITLE_LENGTH} characters.`);
  }
  if (typeof message.author !== 'string' || !isAddress(message.author)) {
    throw invalid('author', 'The author is not a valid address.');
  }
  if (typeof message.createdAt !== 'bigint' || message.createdAt < 0n) {
    throw invalid('createdAt', 'The creation time is not valid.');
  }
  if (message.createdAt > MAX_UINT64) {
    throw invalid('createdAt', 'The creation time does not fit in 64 bits.');
  }
  if (typeof message.licenseId !== 'string' || !LICENSE_ID.test(message.licenseId)) {
    throw invalid('licenseId', 'The licence must be an SPDX id or All-Rights-Reserved.');
  }
  if (typeof message.nonce !== 'bigint' || message.nonce < 0n || message.nonce > MAX_UINT256) {
    throw invalid('nonce', 'The nonce must be a 256-bit unsigned number.');
  }
  const out: RegistrationTypedData = {
    domain: { ...domain, verifyingContract: getAddress(domain.verifyingContract) },
    types: typed.types,
    primaryType: PRIMARY_TYPE,
    message: { ...message, author: getAddress(message.author) },
  };
  try {
    validateTypedData({
      domain: out.domain as TypedDataDomain,
      types: out.types,
      primaryType: PRIMARY_TYPE,
      message: out.message,
    });
  } catch (cause) {
    throw new WalletError('registration-invalid', 'The record is not valid EIP-712 typed data.', {
      cause,
      details: { field: 'typedData' },
    });
  }
  return out;
}
