/**
 * Neural effects from models/manifest.json: every `image-to-image` model becomes an effect
 * `neural:<id>`; its first .onnx file is fetched from our own origin and checked against the
 * manifest's byte count and SHA-256 before ORT sees it.
 */
import { neuralEffect, type NeuralEffectDef } from '../../src/shared/effects/registry';
import { RenderError } from '../../src/shared/errors/render';

export interface ManifestFile {
  path: string;
  bytes?: number;
  sha256?: string;
}

export interface ManifestModel {
  id: string;
  kind: string;
  name?: string;
  files: ManifestFile[];
  /** How far tiles must overlap (the receptive field's half-width, px): the tile halo. */
  tileOverlap?: number;
  /** Output size ÷ input size: 1 (same size, e.g. denoise) or an integer 2–4 (an upscaler). */
  scale?: number;
  /** The model's inputs; one with `role: 'noise-level'` takes the denoiser's σ. */
  inputs?: { name?: string; role?: string; features?: string }[];
}

/**
 * Whether a model is a denoiser, and the name of its σ input: any model with a `noise-level`
 * input, or the first denoiser (id `denoise`, which has none: σ then sets its mix).
 */
export function denoiseOf(m: ManifestModel): { sigmaInput?: string } | undefined {
  const sigma = (Array.isArray(m.inputs) ? m.inputs : []).find(
    (i) => i?.role === 'noise-level' && typeof i.name === 'string',
  );
  if (sigma) return { sigmaInput: sigma.name! };
  return m.id === 'denoise' ? {} : undefined;
}

export interface NeuralModelSource {
  def: NeuralEffectDef;
  /** Absolute URL or path of the .onnx file. */
  url?: string;
  file?: ManifestFile;
  bytes?: Uint8Array;
}

/**
 * Parses a manifest; keeps `image-to-image` models with an .onnx file whose `scale` is 1 (same
 * size) or an integer 2–4 (an upscaler: a stack effect that changes the image size, see
 * src/shared/effects/stages.ts). Its `tileOverlap` is the tile halo, in input pixels.
 */
export function neuralModelsFrom(manifest: unknown, base = '/models/'): NeuralModelSource[] {
  const models = (manifest as { models?: unknown })?.models;
  if (!Array.isArray(models)) return [];
  const out: NeuralModelSource[] = [];
  for (const m of models as ManifestModel[]) {
    if (!m || m.kind !== 'image-to-image' || typeof m.id !== 'string') continue;
    const scale = m.scale ?? 1;
    if (!Number.isInteger(scale) || scale < 1 || scale > 4) continue;
    const file = (m.files ?? []).find(
      (f) => typeof f?.path === 'string' && f.path.endsWith('.onnx'),
    );
    if (!file) continue;
    const denoise = scale === 1 ? denoiseOf(m) : undefined;
    out.push({
      def: neuralEffect(
        m.id,
        m.name ?? m.id,
        typeof m.tileOverlap === 'number' ? m.tileOverlap : 8,
        scale,
        denoise ? { denoise } : {},
      ),
      url: base + file.path.replace(/^\.?\/?(models\/)?/, ''),
      file,
    });
  }
  return out;
}

const hex = (buf: ArrayBuffer) =>
  [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('');

/** @throws RenderError `model-unavailable` on a failed fetch, wrong size or wrong hash. */
export async function fetchModel(source: NeuralModelSource): Promise<Uint8Array> {
  if (source.bytes) return source.bytes;
  const id = source.def.modelId;
  const fail = (why: string) =>
    new RenderError('model-unavailable', `The model “${id}” is unavailable: ${why}.`, {
      details: { modelId: id },
    });
  let response: Response;
  try {
    response = await fetch(source.url!);
  } catch (cause) {
    throw fail(String(cause));
  }
  if (!response.ok) throw fail(`HTTP ${response.status}`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (source.file?.bytes !== undefined && bytes.length !== source.file.bytes) {
    throw fail(`expected ${source.file.bytes} bytes, got ${bytes.length}`);
  }
  if (source.file?.sha256) {
    const digest = hex(await crypto.subtle.digest('SHA-256', bytes));
    if (digest !== source.file.sha256.toLowerCase()) throw fail('its checksum does not match');
  }
  return bytes;
}
