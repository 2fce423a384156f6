/**
 * Text model folders: what a transformers.js causal-LM folder must hold, which ONNX variant a
 * backend should load, and the bundled model's entry in models/manifest.json. Pure, so the model
 * manager (import validation), the worker (dtype choice) and tests share one set of rules.
 */
import type { Backend } from '../compute/backend';

export type TextDtype = 'fp32' | 'fp16' | 'q8' | 'q4' | 'q4f16';

/** ONNX file name (under onnx/) per dtype, as transformers.js 4 names them. */
export const DTYPE_FILES: Record<TextDtype, string> = {
  fp32: 'onnx/model.onnx',
  fp16: 'onnx/model_fp16.onnx',
  q8: 'onnx/model_quantized.onnx',
  q4: 'onnx/model_q4.onnx',
  q4f16: 'onnx/model_q4f16.onnx',
};

export const REQUIRED_FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json'] as const;

export interface FolderCheck {
  ok: boolean;
  /** Plain reason when not ok. */
  reason?: string;
  /** ONNX variants present. */
  dtypes: TextDtype[];
  /** Paths relative to the model folder ("config.json", "onnx/model.onnx"). */
  files: string[];
}

/**
 * Normalises paths picked from a folder ("my-model/onnx/model.onnx" or "onnx/model.onnx"): the
 * common top folder is removed, and files the runtime never reads are kept but unimportant.
 */
export function relativeModelPaths(paths: readonly string[]): Map<string, string> {
  const split = paths.map((p) => p.replace(/\\/g, '/').replace(/^\/+/, ''));
  const firsts = new Set(split.map((p) => (p.includes('/') ? p.split('/')[0] : '')));
  const strip =
    firsts.size === 1 && !firsts.has('') && !split.some((p) => p.split('/')[0] === 'onnx');
  const out = new Map<string, string>();
  split.forEach((p, i) => out.set(strip ? p.slice(p.indexOf('/') + 1) : p, paths[i]!));
  return out;
}

/** Checks a folder's file list: config, tokenizer and at least one ONNX decoder must be there. */
export function checkModelFolder(relativePaths: Iterable<string>): FolderCheck {
  const files = [...relativePaths].sort();
  const set = new Set(files);
  const dtypes = (Object.keys(DTYPE_FILES) as TextDtype[]).filter((d) => set.has(DTYPE_FILES[d]));
  const missing: string[] = REQUIRED_FILES.filter((f) => !set.has(f));
  if (!dtypes.length) missing.push('onnx/model.onnx (or a quantized variant)');
  if (missing.length) {
    return {
      ok: false,
      reason: `The model folder is missing ${missing.join(', ')}.`,
      dtypes,
      files,
    };
  }
  return { ok: true, dtypes, files };
}

/**
 * The ONNX variant to load: on WebGPU fp16 only with shader-f16, else fp32; on WASM q8 first
 * (transformers.js's own default), then fp32. Falls back to whatever the folder has.
 * @throws Error when the folder has no ONNX variant at all.
 */
export function chooseDtype(
  available: readonly TextDtype[],
  backend: Backend,
  shaderF16: boolean,
): TextDtype {
  const order: TextDtype[] =
    backend === 'webgpu'
      ? shaderF16
        ? ['fp16', 'q4f16', 'fp32', 'q4', 'q8']
        : ['fp32', 'q4', 'q8']
      : ['q8', 'fp32', 'q4', 'fp16'];
  const found =
    order.find((d) => available.includes(d)) ?? available.find((d) => !d.includes('f16'));
  if (!found) throw new Error('The model has no ONNX variant this device can run.');
  return found;
}

/** The context length a config declares (GPT-2 `n_positions`, Llama/Qwen `max_position_embeddings`). */
export function contextLengthOf(config: Record<string, unknown>, fallback = 512): number {
  for (const key of ['n_positions', 'max_position_embeddings', 'n_ctx', 'seq_length']) {
    const v = config[key];
    if (typeof v === 'number' && Number.isFinite(v) && v > 0) return v;
  }
  return fallback;
}

export interface ManifestFile {
  path: string;
  sha256?: string;
  bytes?: number;
}

export interface BundledTextModel {
  id: string;
  name: string;
  /** URL path of the folder, ending in '/': "/models/text/atelier-lm/". */
  base: string;
  /** Folder name under /models/text/ (transformers.js model id). */
  folder: string;
  licence: string;
  bytes: number;
  files: ManifestFile[];
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v ? v : undefined;
}

/**
 * Finds the first `text-generation` entry of models/manifest.json (an array of entries or
 * `{ models: [...] }`), or null when there is none.
 */
export function bundledTextModel(manifest: unknown): BundledTextModel | null {
  const list: unknown[] = Array.isArray(manifest)
    ? manifest
    : manifest &&
        typeof manifest === 'object' &&
        Array.isArray((manifest as { models?: unknown }).models)
      ? (manifest as { models: unknown[] }).models
      : [];
  for (const item of list) {
    if (!item || typeof item !== 'object') continue;
    const e = item as Record<string, unknown>;
    if (e.kind !== 'text-generation' && e.task !== 'text-generation') continue;
    const id = str(e.id);
    if (!id) continue;
    const modelId = str(e.modelId);
    const root = (str(e.localModelPath) ?? 'text')
      .replace(/^\/?(models\/)?/, '')
      .replace(/\/$/, '');
    const rawPath = str(e.path) ?? str(e.dir) ?? `${root}/${modelId ?? id}`;
    const trimmed = rawPath.replace(/^\/?(models\/)?/, '').replace(/\/?$/, '');
    const folder = modelId ?? trimmed.replace(/^text\//, '');
    const files = manifestFiles(e.files, trimmed);
    const bytes =
      (typeof e.bytes === 'number' ? e.bytes : undefined) ??
      (typeof e.size === 'number' ? e.size : undefined) ??
      files.reduce((s, f) => s + (f.bytes ?? 0), 0);
    return {
      id,
      name: str(e.name) ?? str(e.title) ?? id,
      base: `/models/${trimmed}/`,
      folder,
      licence: licenceOf(e.licence ?? e.license),
      bytes,
      files,
    };
  }
  return null;
}

function licenceOf(v: unknown): string {
  if (typeof v === 'string' && v) return v;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return str(o.spdx) ?? str(o.name) ?? 'see model card';
  }
  return 'see model card';
}

function manifestFiles(raw: unknown, folder: string): ManifestFile[] {
  const rel = (p: string) => p.replace(/^\/?(models\/)?/, '').replace(`${folder}/`, '');
  if (Array.isArray(raw)) {
    return raw.flatMap((f) => {
      if (typeof f === 'string') return [{ path: rel(f) }];
      if (!f || typeof f !== 'object') return [];
      const o = f as Record<string, unknown>;
      const path = str(o.path) ?? str(o.name) ?? str(o.file);
      if (!path) return [];
      const out: ManifestFile = { path: rel(path) };
      const sha = str(o.sha256);
      if (sha) out.sha256 = sha;
      const bytes =
        typeof o.bytes === 'number' ? o.bytes : typeof o.size === 'number' ? o.size : undefined;
      if (bytes !== undefined) out.bytes = bytes;
      return [out];
    });
  }
  if (raw && typeof raw === 'object') {
    return Object.entries(raw as Record<string, unknown>).map(([path, v]) => {
      const out: ManifestFile = { path: rel(path) };
      if (typeof v === 'string') out.sha256 = v;
      else if (v && typeof v === 'object') {
        const o = v as Record<string, unknown>;
        const sha = str(o.sha256);
        if (sha) out.sha256 = sha;
        if (typeof o.bytes === 'number') out.bytes = o.bytes;
        else if (typeof o.size === 'number') out.bytes = o.size;
      }
      return out;
    });
  }
  return [];
}
