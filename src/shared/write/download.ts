/**
 * Downloading a text model from a short list of known-good small instruct models — the only
 * network use of the Write room, and only when the person asks while online.
 *
 * Trust comes from the list, never from the server: every entry pins a revision commit and the
 * SHA-256 and size of every file (`catalogue.json`, filled by `scripts/pin-catalogue.mjs`). An
 * entry that is not fully pinned is listed but cannot be downloaded.
 *
 * - `planDownload` shows the size and the space it needs before anything is fetched (from the
 *   pins; nothing touches the network), counting what an earlier, interrupted attempt kept.
 * - `downloadModel` fetches file by file with progress. A dropped connection is resumed with an
 *   HTTP range request from the byte it stopped at (a few tries, then the part is kept so the next
 *   attempt resumes too); a cancelled download keeps its parts the same way. Each file must match
 *   its pinned size and SHA-256 before it is kept; nothing is returned unless every file verified.
 *
 * Pure apart from the injected `fetch` and parts store: runs in the page and in Node tests
 * against a local server.
 */
import { TextError } from '../errors/text';
import { checkModelFolder } from './model-files';
import LIST from './catalogue.json';

export interface CatalogueFile {
  path: string;
  /** Pinned SHA-256 (hex, lower case). */
  sha256?: string;
  /** Pinned size in bytes. */
  bytes?: number;
}

export interface CatalogueEntry {
  id: string;
  name: string;
  /** Hugging Face repository. */
  repo: string;
  /** The branch the pins were read from (for the pin script only; downloads use `revision`). */
  branch?: string;
  /** The pinned commit (40 hex digits); null until pinned. */
  revision: string | null;
  licence: string;
  /** Rough size for the list until the files are pinned. */
  approxBytes: number;
  files: CatalogueFile[];
  note: string;
}

/** Known-good small instruct models (see catalogue.json), and any a build added. */
export const CATALOGUE: readonly CatalogueEntry[] = [
  ...(LIST.entries as CatalogueEntry[]),
  ...(__ATELIER_EXTRA_CATALOGUE__ as CatalogueEntry[]),
];

/**
 * Why an entry cannot be downloaded, in plain words, or null when every file is pinned.
 * The technical reason (which file lacks what) is in the second element for "Details".
 */
export function pinProblem(entry: CatalogueEntry): { message: string; details: string } | null {
  const problems: string[] = [];
  if (!entry.revision || !/^[0-9a-f]{40}$/.test(entry.revision))
    problems.push('the revision is not a pinned commit');
  for (const f of entry.files) {
    if (!f.sha256 || !/^[0-9a-f]{64}$/.test(f.sha256)) problems.push(`${f.path} has no SHA-256`);
    if (!Number.isSafeInteger(f.bytes) || (f.bytes ?? -1) < 0)
      problems.push(`${f.path} has no size`);
  }
  const check = checkModelFolder(entry.files.map((f) => f.path));
  if (!check.ok) problems.push(check.reason ?? 'the file list is not a model');
  if (!problems.length) return null;
  return {
    message:
      'Not available to download yet: its files have not been checked and pinned. You can import its folder from disk instead.',
    details: problems.join('; '),
  };
}

/** Where interrupted downloads keep what they already have, keyed by the file's pinned SHA-256. */
export interface PartsStore {
  get(key: string): Promise<Blob | undefined>;
  put(key: string, data: Blob): Promise<void>;
  delete(key: string): Promise<void>;
}

/** A parts store in memory (tests; or where Cache Storage is missing: resumes within the page). */
export function memoryParts(): PartsStore & { keys(): string[] } {
  const parts = new Map<string, Blob>();
  return {
    get: async (k) => parts.get(k),
    put: async (k, d) => void parts.set(k, d),
    delete: async (k) => void parts.delete(k),
    keys: () => [...parts.keys()],
  };
}

/** A parts store in the origin's Cache Storage (survives a reload; never sent anywhere). */
export function cacheParts(cacheName = 'atelier-model-parts'): PartsStore {
  const url = (k: string) => `/__atelier-model-parts__/${k}`;
  return {
    async get(k) {
      const hit = await (await caches.open(cacheName)).match(url(k));
      return hit ? await hit.blob() : undefined;
    },
    async put(k, d) {
      await (await caches.open(cacheName)).put(url(k), new Response(d));
    },
    async delete(k) {
      await (await caches.open(cacheName)).delete(url(k));
    },
  };
}

export interface DownloadEnv {
  fetch: typeof fetch;
  /** Where `<repo>/resolve/<revision>/<path>` lives; default https://huggingface.co/. */
  baseUrl?: string;
  /** Free bytes available to the origin (navigator.storage.estimate); skipped when absent. */
  freeBytes?: () => Promise<number | undefined>;
  /** navigator.onLine; downloads refuse to start offline. */
  online?: boolean;
  signal?: AbortSignal;
  /** Keeps parts of interrupted downloads; without it an interruption starts the file again. */
  parts?: PartsStore;
  /** Tries per file after a dropped connection (default 4), and the pause between them. */
  retries?: number;
  retryDelayMs?: number;
}

export interface PlannedFile {
  path: string;
  bytes: number;
  sha256: string;
  url: string;
}

export interface DownloadPlan {
  entry: CatalogueEntry;
  files: PlannedFile[];
  totalBytes: number;
  /** Bytes an earlier, interrupted attempt already kept (resumed, not fetched again). */
  keptBytes: number;
  freeBytes: number | undefined;
}

export function fileUrl(
  entry: CatalogueEntry,
  path: string,
  baseUrl = 'https://huggingface.co/',
): string {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  return `${base}${entry.repo}/resolve/${encodeURIComponent(entry.revision ?? '')}/${path}`;
}

/** Only catalogue entries are ever downloaded. @throws TextError download-not-allowed */
export function catalogueEntry(
  id: string,
  catalogue: readonly CatalogueEntry[] = CATALOGUE,
): CatalogueEntry {
  const entry = catalogue.find((e) => e.id === id);
  if (!entry)
    throw new TextError('download-not-allowed', `“${id}” is not on the list of known-good models.`);
  return entry;
}

function assertOnline(env: DownloadEnv): void {
  if (env.online === false) {
    throw new TextError(
      'download-offline',
      'You are offline. Connect to download a model; everything else works offline.',
    );
  }
}

/**
 * The download's size and the space it needs, from the pins (no network).
 * @throws TextError download-offline | download-not-allowed | download-quota
 */
export async function planDownload(entry: CatalogueEntry, env: DownloadEnv): Promise<DownloadPlan> {
  assertOnline(env);
  const problem = pinProblem(entry);
  if (problem)
    throw new TextError('download-not-allowed', problem.message, {
      details: { problems: problem.details },
    });
  const files: PlannedFile[] = entry.files.map((f) => ({
    path: f.path,
    bytes: f.bytes!,
    sha256: f.sha256!,
    url: fileUrl(entry, f.path, env.baseUrl),
  }));
  const totalBytes = files.reduce((s, f) => s + f.bytes, 0);
  let keptBytes = 0;
  for (const f of files)
    keptBytes += Math.min((await env.parts?.get(f.sha256))?.size ?? 0, f.bytes);
  const freeBytes = await env.freeBytes?.();
  // Keep a margin: the browser needs room for its own bookkeeping, and the parts are stored until
  // the model itself is.
  const needed = (totalBytes - keptBytes) * 1.1 + totalBytes;
  if (freeBytes !== undefined && needed > freeBytes) {
    throw new TextError(
      'download-quota',
      `Not enough free storage: the model needs ${formatBytes(Math.ceil(needed))} while it downloads, only ${formatBytes(freeBytes)} is free.`,
      { details: { totalBytes, keptBytes, freeBytes } },
    );
  }
  return { entry, files, totalBytes, keptBytes, freeBytes };
}

export async function sha256Hex(data: ArrayBuffer | Uint8Array | Blob): Promise<string> {
  const buffer = data instanceof Blob ? await data.arrayBuffer() : data;
  const digest = await crypto.subtle.digest('SHA-256', buffer as BufferSource);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export interface DownloadedModel {
  files: Record<string, Blob>;
  sha256: Record<string, string>;
  totalBytes: number;
  /** Bytes actually fetched in this attempt (less than totalBytes when parts were resumed). */
  fetchedBytes: number;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      reject(signal.reason);
    });
  });

/**
 * Downloads every file of a plan, verifying each. Progress reports bytes done of the total
 * (resumed parts count as done from the start).
 * @throws TextError download-offline | download-failed | download-integrity; AbortError on abort
 */
export async function downloadModel(
  plan: DownloadPlan,
  env: DownloadEnv & { onProgress?: (done: number, total: number, file: string) => void },
): Promise<DownloadedModel> {
  assertOnline(env);
  const files: Record<string, Blob> = {};
  const sha256: Record<string, string> = {};
  const retries = env.retries ?? 4;
  let before = 0;
  let fetchedBytes = 0;
  for (const f of plan.files) {
    const chunks: Blob[] = [];
    let have = 0;
    const kept = await env.parts?.get(f.sha256);
    if (kept && kept.size <= f.bytes) {
      chunks.push(kept);
      have = kept.size;
    }
    env.onProgress?.(before + have, plan.totalBytes, f.path);
    const keep = async () => {
      if (env.parts && have > 0 && have > (kept?.size ?? 0))
        await env.parts.put(f.sha256, new Blob(chunks));
    };
    let failures = 0;
    while (have < f.bytes) {
      const progressAt = have;
      let refused = false;
      try {
        const res = await env.fetch(f.url, {
          ...(have > 0 ? { headers: { Range: `bytes=${have}-` } } : {}),
          ...(env.signal ? { signal: env.signal } : {}),
        });
        if (have > 0 && res.status === 200) {
          // The server ignored the range: start this file again.
          chunks.length = 0;
          have = 0;
        } else if (have > 0 && res.status === 206) {
          // A server that does not expose Content-Range to the page cannot be checked here; the
          // file's SHA-256 below still catches a resume at the wrong place.
          const range = res.headers.get('content-range');
          const start = /^bytes (\d+)-/.exec(range ?? '')?.[1];
          if (range !== null && Number(start) !== have) {
            await res.body?.cancel();
            throw new TextError(
              'download-failed',
              `The server resumed ${f.path} at the wrong place.`,
            );
          }
        } else if (!res.ok || !res.body) {
          // A refusal (404, 403…) is an answer, not a dropped connection: trying again won't help.
          refused = res.status >= 400 && res.status < 500;
          throw new TextError(
            'download-failed',
            `The server answered ${res.status} for ${f.path}.`,
            {
              details: { status: res.status, url: f.url },
            },
          );
        }
        const reader = res.body!.getReader();
        let batch: Uint8Array[] = [];
        let batchBytes = 0;
        try {
          for (;;) {
            const { done: end, value } = await reader.read();
            if (end) break;
            have += value.byteLength;
            fetchedBytes += value.byteLength;
            batch.push(value);
            batchBytes += value.byteLength;
            if (have > f.bytes)
              throw new TextError(
                'download-integrity',
                `${f.path} is larger than it should be. Nothing was kept.`,
                { details: { path: f.path, expectedBytes: f.bytes } },
              );
            if (batchBytes >= 4 << 20) {
              chunks.push(new Blob(batch as BlobPart[]));
              batch = [];
              batchBytes = 0;
            }
            env.onProgress?.(before + have, plan.totalBytes, f.path);
          }
        } finally {
          if (batch.length) chunks.push(new Blob(batch as BlobPart[]));
        }
        if (have < f.bytes)
          throw new TextError('download-failed', `The download of ${f.path} stopped early.`);
      } catch (cause) {
        if (cause instanceof TextError && cause.code === 'download-integrity') {
          await env.parts?.delete(f.sha256);
          throw cause;
        }
        if (env.signal?.aborted) {
          await keep();
          throw env.signal.reason ?? cause;
        }
        failures = have > progressAt ? 1 : failures + 1;
        if (refused || failures > retries) {
          await keep();
          if (cause instanceof TextError) throw cause;
          throw new TextError(
            'download-failed',
            `The connection dropped while downloading ${f.path}. What arrived is kept: press Download again to resume.`,
            { cause },
          );
        }
        await sleep((env.retryDelayMs ?? 1000) * failures, env.signal).catch(async (e) => {
          await keep();
          throw e;
        });
      }
    }
    const blob = new Blob(chunks);
    const actual = await sha256Hex(blob);
    if (blob.size !== f.bytes || actual !== f.sha256) {
      await env.parts?.delete(f.sha256);
      throw new TextError(
        'download-integrity',
        `${f.path} is not the file the list pins (its SHA-256 differs): it may have been tampered with. Nothing was kept.`,
        { details: { path: f.path, expected: f.sha256, actual, bytes: blob.size } },
      );
    }
    // A verified file is kept too, so an interruption later on does not fetch it again.
    if (env.parts && (kept?.size ?? 0) !== f.bytes) await env.parts.put(f.sha256, blob);
    files[f.path] = blob;
    sha256[f.path] = actual;
    before += f.bytes;
  }
  return { files, sha256, totalBytes: before, fetchedBytes };
}

/** Forgets the kept parts of a plan (after the model is stored, or when the person discards). */
export async function forgetParts(plan: DownloadPlan, parts: PartsStore): Promise<void> {
  for (const f of plan.files) await parts.delete(f.sha256);
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(0)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}
