/**
 * Reads an exported file's Content Credentials with c2pa-rs (the CAI's reader, not the code that
 * wrote them) and checks the wallet registration inside: a JSON object with the EIP-712 `domain`,
 * `types`, `primaryType`, `message` and `signature`, whose signer recovers (viem, not Atelier's
 * verifier) to the author it names. Shared by the Register e2e and the committed fixtures' test.
 */
import { recoverTypedDataAddress, type Address, type Hex } from 'viem';
import { loadC2pa } from './c2pa-node';

export const REGISTERED_FIXTURES = [
  { file: 'registered.png', type: 'image/png' },
  { file: 'registered.jpg', type: 'image/jpeg' },
  { file: 'registered.webp', type: 'image/webp' },
] as const;

export interface RegisteredManifest {
  /** Validation failure codes of the active manifest (only `signingCredential.untrusted` expected). */
  failures: string[];
  /** The registration assertion as stored. */
  registration: {
    domain: { name: string; version: string; chainId: number; verifyingContract: Address };
    types: Record<string, { name: string; type: string }[]>;
    primaryType: string;
    message: Record<string, string>;
    signature: Hex;
  };
  /** Who signed it, recovered from the signature. */
  signer: Address;
}

export async function readRegisteredManifest(
  bytes: Uint8Array,
  type: string,
): Promise<RegisteredManifest> {
  const reader = await loadC2pa().WasmReader.fromBytes(type, bytes);
  const store = JSON.parse(reader.json());
  reader.free();
  const manifest = store.manifests[store.active_manifest];
  const failures = store.validation_results.activeManifest.failure.map(
    (s: { code: string }) => s.code,
  );
  const found = manifest.assertions.find(
    (a: { label: string }) => a.label === 'org.atelier.registration',
  );
  if (!found) throw new Error(`No registration assertion in the ${type} file's manifest.`);
  const registration = found.data as RegisteredManifest['registration'];
  const { EIP712Domain: _domain, ...types } = registration.types;
  const message = registration.message;
  const signer = await recoverTypedDataAddress({
    domain: { ...registration.domain, chainId: Number(registration.domain.chainId) },
    types,
    primaryType: registration.primaryType,
    message: {
      ...message,
      createdAt: BigInt(message.createdAt!),
      nonce: BigInt(message.nonce!),
    },
    signature: registration.signature,
  } as Parameters<typeof recoverTypedDataAddress>[0]);
  return { failures, registration, signer };
}
