/**
 * Reads Content Credentials from any file with the CAI's c2pa-rs (wasm) and reduces them to what
 * the Verify panel shows: whether the file is intact, the signer (and that no trust list knows
 * it), the history of actions, the training choice, and Atelier's wallet registration when the
 * manifest carries one. Files from other tools read the same way.
 */
import type * as C2pa from '@contentauth/c2pa-wasm';
import type { CertificateJson } from '../registration/certificate';
import { REGISTRATION_LABEL, TRAINING_LABEL, type TrainingChoice } from './manifest';

export interface CredentialsAction {
  action: string;
  description?: string;
  /** Set when a trained model made or edited the content (IPTC digital source type). */
  digitalSourceType?: string;
  softwareAgent?: string;
}

export interface CredentialsSummary {
  /** intact: every hash and the signature check out; tampered: something does not. */
  state: 'intact' | 'tampered';
  /** The signing certificate's subject, as the reader reports it. */
  signer: string | null;
  /** False unless a trust list the reader uses knows the signer (Atelier's never does). */
  trusted: boolean;
  title: string | null;
  claimGenerator: string | null;
  actions: CredentialsAction[];
  training: TrainingChoice | null;
  registration: CertificateJson | null;
  /** Failure codes, the untrusted signer excepted (e.g. `assertion.dataHash.mismatch`). */
  failures: string[];
}

interface Status {
  code: string;
}
interface Assertion {
  label: string;
  data: unknown;
}
interface ManifestJson {
  title?: string;
  claim_generator_info?: { name?: string; version?: string }[];
  signature_info?: { issuer?: string; common_name?: string };
  assertions?: Assertion[];
}
interface StoreJson {
  active_manifest?: string;
  manifests?: Record<string, ManifestJson>;
  validation_results?: { activeManifest?: { failure?: Status[]; success?: Status[] } };
  validation_status?: Status[];
}

const UNTRUSTED = 'signingCredential.untrusted';

/**
 * @returns null when the file carries no Content Credentials.
 * @throws whatever c2pa-rs throws for a file it cannot parse at all.
 */
export async function readContentCredentials(
  c2pa: typeof C2pa,
  bytes: Uint8Array,
  format: string,
): Promise<CredentialsSummary | null> {
  let reader: C2pa.WasmReader;
  try {
    reader = await c2pa.WasmReader.fromBytes(format, bytes);
  } catch (error) {
    if (/JumbfNotFound|ManifestNotFound|no manifest/i.test(String(error))) return null;
    throw error;
  }
  try {
    const store = JSON.parse(reader.json()) as StoreJson;
    const manifest = store.active_manifest ? store.manifests?.[store.active_manifest] : undefined;
    if (!manifest) return null;
    const statuses = [
      ...(store.validation_results?.activeManifest?.failure ?? []),
      ...(store.validation_status ?? []),
    ].map((s) => s.code);
    const failures = [...new Set(statuses)].filter((c) => c !== UNTRUSTED);
    const assertion = (label: string) =>
      manifest.assertions?.find((a) => a.label === label || a.label.startsWith(`${label}.v`))?.data;
    const actions = (
      assertion('c2pa.actions') as { actions?: Record<string, unknown>[] } | undefined
    )?.actions;
    const training = assertion(TRAINING_LABEL) as
      { entries?: Record<string, { use?: TrainingChoice }> } | undefined;
    const agent = (a: Record<string, unknown>) => {
      const s = a.softwareAgent as { name?: string } | string | undefined;
      return typeof s === 'string' ? s : s?.name;
    };
    const generator = manifest.claim_generator_info?.[0];
    return {
      state: failures.length === 0 ? 'intact' : 'tampered',
      signer: manifest.signature_info?.common_name ?? manifest.signature_info?.issuer ?? null,
      trusted: !statuses.includes(UNTRUSTED) && failures.length === 0,
      title: manifest.title ?? null,
      claimGenerator: generator?.name
        ? `${generator.name}${generator.version ? ` ${generator.version}` : ''}`
        : null,
      actions: (actions ?? []).map((a) => ({
        action: String(a.action),
        ...(typeof a.description === 'string' ? { description: a.description } : {}),
        ...(typeof a.digitalSourceType === 'string'
          ? { digitalSourceType: a.digitalSourceType }
          : {}),
        ...(agent(a) ? { softwareAgent: agent(a)! } : {}),
      })),
      training: training?.entries?.['cawg.ai_training']?.use ?? null,
      registration: (assertion(REGISTRATION_LABEL) as CertificateJson | undefined) ?? null,
      failures,
    };
  } finally {
    reader.free();
  }
}
