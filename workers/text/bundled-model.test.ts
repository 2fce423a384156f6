/**
 * Integration (Node): the bundled model named by models/manifest.json (first `text-generation`
 * entry) loads through the Write room's runtime — the transformers.js pipeline, remote models
 * off — on both ONNX variants it ships, and writes text for a generator prompt.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { env } from '@huggingface/transformers';
import { describe, expect, it } from 'vitest';
import { bundledTextModel, type TextDtype } from '../../src/shared/write/model-files';
import { clampParams } from '../../src/shared/write/params';
import { buildPrompt } from '../../src/shared/write/prompt';
import { TextRuntime } from './runtime';

const MODELS = join(import.meta.dirname, '..', '..', 'models');
const manifestFile = join(MODELS, 'manifest.json');
const bundled = existsSync(manifestFile)
  ? bundledTextModel(JSON.parse(readFileSync(manifestFile, 'utf8')))
  : null;
const dtypes: TextDtype[] = bundled
  ? (['fp32', 'q8'] as const).filter((d) =>
      bundled.files.some(
        (f) => f.path === (d === 'fp32' ? 'onnx/model.onnx' : 'onnx/model_quantized.onnx'),
      ),
    )
  : [];

// Skipped only while no text model is in models/manifest.json (it is trained separately).
describe.skipIf(!bundled)('bundled text model', () => {
  const runtime = new TextRuntime({ localModelPath: join(MODELS, 'text') + '/' });
  it.each(dtypes)('loads (%s) with remote models off and writes alt text', async (dtype) => {
    const source = { key: `bundled:${bundled!.id}:${dtype}`, folder: bundled!.folder };
    const loaded = await runtime.load({ source, backend: 'wasm', dtype });
    expect(env.allowRemoteModels).toBe(false);
    expect(loaded.contextLength).toBeGreaterThanOrEqual(512);
    const result = await runtime.generate({
      prompt: buildPrompt('alt', {
        title: 'Harbour at Dusk',
        tags: ['harbour'],
        effects: [],
        analysis: null,
      }),
      params: clampParams({ temperature: 0, maxNewTokens: 24 }),
    });
    expect(result.tokens).toBeGreaterThan(0);
    expect(result.tokens).toBeLessThanOrEqual(24);
    expect(result.notice).toBeNull();
  });
});
