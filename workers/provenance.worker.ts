/**
 * The provenance worker: Content Credentials (C2PA) with the CAI's c2pa-rs as wasm. It embeds a
 * signed manifest into exported bytes (the studio identity's non-extractable key is passed in;
 * WebCrypto signs here) and reads any file's manifest for Verify. The 9 MB wasm is fetched from
 * our own origin (precached by the service worker) on first use; nothing else leaves the worker.
 */
import { expose, transfer } from 'comlink';
import * as c2pa from '@contentauth/c2pa-wasm';
import wasmUrl from '@contentauth/c2pa-wasm/c2pa.wasm?url';
import '../src/shared/comlink-errors';
import { embedContentCredentials } from '../src/shared/provenance/embed';
import type { ContentCredentialsInfo, ExportFormat } from '../src/shared/provenance/manifest';
import { readContentCredentials } from '../src/shared/provenance/read';
import { createStudioIdentity, type StudioIdentity } from '../src/shared/provenance/signer';

let loading: Promise<unknown> | null = null;

function ready(): Promise<unknown> {
  loading ??= c2pa.default({ module_or_path: wasmUrl });
  return loading;
}

const api = {
  /** A new per-installation identity (keys made non-extractable here). */
  createIdentity(name: string): Promise<StudioIdentity> {
    return createStudioIdentity({ name });
  },

  /** The exported file with its Content Credentials (the result is transferred). */
  async embed(
    bytes: Uint8Array,
    format: ExportFormat,
    info: ContentCredentialsInfo,
    identity: StudioIdentity,
  ): Promise<Uint8Array> {
    await ready();
    const out = await embedContentCredentials(bytes, format, info, { c2pa, identity });
    return transfer(out, [out.buffer as ArrayBuffer]);
  },

  async read(bytes: Uint8Array, format: string) {
    await ready();
    return readContentCredentials(c2pa, bytes, format);
  },
};

export type ProvenanceApi = typeof api;
expose(api);
