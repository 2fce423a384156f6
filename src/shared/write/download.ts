/**
 * Downloading a text model from a short list of known-good small instruct models — the only
 * network use of the Write room, and only when the person asks while online.
 *
 * - `planDownload` asks the server for each file's size first (HEAD), so the size is shown before
 *   anything is fetched, and checks it against free quota.
 * - `downloadModel` fetches file by file with progress, verifies each file's SHA-256 against the
 *   pinned value (or, for files the list does not pin, the server's declared LFS digest,
 *   `X-Linked-ETag`), and refuses a file whose digest cannot be checked, except small JSON files
 *   that must parse. Nothing is kept unless every file verified.
 *
 * Pure apart from the injected `fetch`: runs in the page and in Node tests against a local server.
 */
import { TextError } from '../errors/text';
import { checkModelFolder } from './model-files';

export interface CatalogueFile {
  path: string;
  /** Pinned SHA-256 (hex). When absent, the server's LFS digest is required (JSON excepted). */
  sha256?: string;
  bytes?: number;
}

export interface CatalogueEntry {
  id: string;
  name: string;
  /** Hugging Face repository. */
  repo: string;
  revision: string;
  licence: string;
  /** Rough size for the list; the exact size comes from the server before downloading. */
  approxBytes: number;
  files: CatalogueFile[];
  note: string;
}

const JSON_FILES = [
  'config.json',
  'generation_config.json',
  'tokenizer.json',
  'tokenizer_config.json',
];

/**
 * Known-good small instruct models in the transformers.js layout (ONNX, q8 for WASM). Sizes are
 * approximate. Digests are not pinned here: they could not be fetched when this list was written
 * (no network), so the download verifies each ONNX file against the hub's declared SHA-256.
 */
export const CATALOGUE: readonly CatalogueEntry[] = [
  {
    id: 'smollm2-135m-instruct',
    name: 'SmolLM2 135M Instruct',
    repo: 'HuggingFaceTB/SmolLM2-135M-Instruct',
    revision: 'main',
    licence: 'Apache-2.0',
    approxBytes: 140_000_000,
    files: [...JSON_FILES.map((path) => ({ path })), { path: 'onnx/model_quantized.onnx' }],
    note: 'Smallest; quick on any device.',
  },
  {
    id: 'smollm2-360m-instruct',
    name: 'SmolLM2 360M Instruct',
    repo: 'HuggingFaceTB/SmolLM2-360M-Instruct',
    revision: 'main',
    licence: 'Apache-2.0',
    approxBytes: 370_000_000,
    files: [...JSON_FILES.map((path) => ({ path })), { path: 'onnx/model_quantized.onnx' }],
    note: 'Better text; needs about 1 GB of memory.',
  },
  {
    id: 'qwen2.5-0.5b-instruct',
    name: 'Qwen2.5 0.5B Instruct',
    repo: 'onnx-community/Qwen2.5-0.5B-Instruct',
    revision: 'main',
    licence: 'Apache-2.0',
    approxBytes: 500_000_000,
    files: [...JSON_FILES.map((path) => ({ path })), { path: 'onnx/model_quantized.onnx' }],
    note: 'Best of the three; slower on WASM.',
  },
];

export interface DownloadEnv {
  fetch: typeof fetch;
  /** Where `<repo>/resolve/<revision>/<path>` lives; default https://huggingface.co/. */
  baseUrl?: string;
  /** Free bytes available to the origin (navigator.storage.estimate); skipped when absent. */
  freeBytes?: () => Promise<number | undefined>;
  /** navigator.onLine; downloads refuse to start offline. */
  online?: boolean;
  signal?: AbortSignal;
}

export interface DownloadPlan {
  entry: CatalogueEntry;
  files: { path: string; bytes: number; url: string }[];
  totalBytes: number;
  freeBytes: number | undefined;
}

export function fileUrl(
  entry: CatalogueEntry,
  path: string,
  baseUrl = 'https://huggingface.co/',
): string {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  return `${base}${entry.repo}/resolve/${encodeURIComponent(entry.revision)}/${path}`;
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
 * Asks the server for each file's size and checks free space.
 * @throws TextError download-offline | download-failed | download-quota
 */
export async function planDownload(entry: CatalogueEntry, env: DownloadEnv): Promise<DownloadPlan> {
  assertOnline(env);
  const check = checkModelFolder(entry.files.map((f) => f.path));
  if (!check.ok) throw new TextError('download-not-allowed', check.reason ?? 'Incomplete model.');
  const files: DownloadPlan['files'] = [];
  for (const f of entry.files) {
    const url = fileUrl(entry, f.path, env.baseUrl);
    let bytes = f.bytes;
    if (bytes === undefined) {
      let res: Response;
      try {
        res = await env.fetch(url, {
          method: 'HEAD',
          ...(env.signal ? { signal: env.signal } : {}),
        });
      } catch (cause) {
        if (env.signal?.aborted) throw cause;
        throw new TextError('download-failed', `Could not reach the model server for ${f.path}.`, {
          cause,
        });
      }
      if (!res.ok)
        throw new TextError('download-failed', `The server answered ${res.status} for ${f.path}.`);
      bytes = Number(res.headers.get('content-length') ?? NaN);
      if (!Number.isFinite(bytes))
        throw new TextError('download-failed', `The server did not say how big ${f.path} is.`);
    }
    files.push({ path: f.path, bytes, url });
  }
  const totalBytes = files.reduce((s, f) => s + f.bytes, 0);
  const freeBytes = await env.freeBytes?.();
  // Keep a margin: the browser needs room for its own bookkeeping and the model's working copy.
  if (freeBytes !== undefined && totalBytes * 1.1 > freeBytes) {
    throw new TextError(
      'download-quota',
      `Not enough free storage: the model needs ${formatBytes(totalBytes)}, only ${formatBytes(freeBytes)} is free.`,
      { details: { totalBytes, freeBytes } },
    );
  }
  return { entry, files, totalBytes, freeBytes };
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
}

/**
 * Downloads every file of a plan, verifying each. Progress reports bytes done of the total.
 * @throws TextError download-offline | download-failed | download-integrity; AbortError on abort
 */
export async function downloadModel(
  plan: DownloadPlan,
  env: DownloadEnv & { onProgress?: (done: number, total: number, file: string) => void },
): Promise<DownloadedModel> {
  assertOnline(env);
  const files: Record<string, Blob> = {};
  const sha256: Record<string, string> = {};
  let done = 0;
  for (const f of plan.files) {
    let res: Response;
    try {
      res = await env.fetch(f.url, env.signal ? { signal: env.signal } : {});
    } catch (cause) {
      if (env.signal?.aborted) throw cause;
      throw new TextError('download-failed', `The download of ${f.path} failed.`, { cause });
    }
    if (!res.ok || !res.body)
      throw new TextError('download-failed', `The server answered ${res.status} for ${f.path}.`);
    const declared = res.headers.get('x-linked-etag')?.replace(/^(W\/)?"|"$/g, '');
    const chunks: Uint8Array[] = [];
    const reader = res.body.getReader();
    for (;;) {
      const { done: end, value } = await reader.read();
      if (end) break;
      chunks.push(value);
      done += value.byteLength;
      env.onProgress?.(done, plan.totalBytes, f.path);
    }
    const blob = new Blob(chunks as BlobPart[]);
    const actual = await sha256Hex(blob);
    const pinned = plan.entry.files.find((c) => c.path === f.path)?.sha256;
    const expected =
      pinned ?? (declared && /^[0-9a-f]{64}$/i.test(declared) ? declared.toLowerCase() : undefined);
    if (expected) {
      if (actual !== expected) {
        throw new TextError(
          'download-integrity',
          `${f.path} is corrupt: its SHA-256 does not match. Nothing was kept.`,
          {
            details: { path: f.path, expected, actual },
          },
        );
      }
    } else if (f.path.endsWith('.json') && blob.size < 32 * 1024 * 1024) {
      try {
        JSON.parse(await blob.text());
      } catch {
        throw new TextError('download-integrity', `${f.path} is not valid JSON. Nothing was kept.`);
      }
    } else {
      throw new TextError(
        'download-integrity',
        `${f.path} has no SHA-256 to check it against. Nothing was kept.`,
      );
    }
    files[f.path] = blob;
    sha256[f.path] = actual;
  }
  return { files, sha256, totalBytes: done };
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(0)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}
