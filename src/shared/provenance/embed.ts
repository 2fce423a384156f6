/**
 * The one entry point that puts Content Credentials into exported bytes:
 * `embedContentCredentials(bytes, format, info, { c2pa, identity })` builds the manifest with the
 * CAI's own c2pa-rs (as wasm: `@contentauth/c2pa-wasm`), signs it on the device with the studio
 * identity (signer.ts) and returns the new file. Runs where `FileReaderSync` exists (a worker);
 * the wasm module is passed in, so the caller decides how it is loaded. Nothing touches the
 * network.
 */
import type * as C2pa from '@contentauth/c2pa-wasm';
import {
  actionsOf,
  manifestDefinition,
  ORIGINAL_INGREDIENT,
  type ContentCredentialsInfo,
  type ExportFormat,
} from './manifest';
import { coseSign1, reserveSizeFor, type StudioIdentity } from './signer';

/** c2pa-rs settings: trust is not checked while signing (no trust list knows the studio). */
const SIGN_SETTINGS = JSON.stringify({ verify: { verify_trust: false } });

export class ProvenanceError extends Error {
  override name = 'ProvenanceError' as const;
  readonly code = 'provenance-failed';
}

/**
 * @returns the exported file with its signed C2PA manifest embedded.
 * @throws ProvenanceError (`provenance-failed`) with c2pa-rs's reason when it cannot be built.
 */
export async function embedContentCredentials(
  bytes: Uint8Array,
  format: ExportFormat,
  info: ContentCredentialsInfo,
  options: {
    c2pa: typeof C2pa;
    identity: StudioIdentity;
    /** How bytes become a Blob c2pa-rs can read (tests pass one Node can read synchronously). */
    blob?: (bytes: Uint8Array) => Blob;
  },
): Promise<Uint8Array> {
  const make =
    options.blob ?? ((b: Uint8Array) => new Blob([b as Uint8Array<ArrayBuffer>], { type: format }));
  const builder = options.c2pa.WasmBuilder.fromJson(
    JSON.stringify(manifestDefinition(info, format)),
    SIGN_SETTINGS,
  );
  try {
    if (info.original) {
      await builder.addIngredientFromBlob(
        JSON.stringify({
          title: info.original.title,
          relationship: 'parentOf',
          label: ORIGINAL_INGREDIENT,
        }),
        info.original.format,
        make(info.original.bytes),
      );
    }
    for (const action of actionsOf(info)) builder.addAction(action);
    if (info.thumbnail) {
      builder.setThumbnailFromBlob(info.thumbnail.format, make(info.thumbnail.bytes));
    }
    const reserveSize = reserveSizeFor(options.identity);
    const signed = await builder.sign(
      {
        alg: 'es256',
        reserveSize,
        sign: (claim: Uint8Array) =>
          coseSign1(options.identity, claim, reserveSize) as Promise<Uint8Array<ArrayBuffer>>,
      },
      [],
      format,
      make(bytes),
    );
    return new Uint8Array(signed);
  } catch (cause) {
    throw new ProvenanceError(`Content Credentials could not be added: ${String(cause)}`, {
      cause,
    });
  } finally {
    builder.free();
  }
}
