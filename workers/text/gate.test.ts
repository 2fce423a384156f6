/**
 * The quality gate run on the bundled model (Node, the Write room's own runtime, q8 as on WASM,
 * greedy): the verdicts must match the committed results in src/shared/write/gate-bundled.json,
 * which the model manager shows. `GATE_WRITE=1` rewrites that file from this run.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dictionary } from 'cmu-pronouncing-dictionary';
import { describe, expect, it } from 'vitest';
import { GATE_TASKS, runGate, type GateResults } from '../../src/shared/write/gate';
import { makeLexicon } from '../../src/shared/write/lexicon';
import { bundledTextModel } from '../../src/shared/write/model-files';
import { clampParams } from '../../src/shared/write/params';
import { TextRuntime } from './runtime';

const ROOT = join(import.meta.dirname, '..', '..');
const MODELS = join(ROOT, 'models');
const RESULTS = join(ROOT, 'src', 'shared', 'write', 'gate-bundled.json');
const manifestFile = join(MODELS, 'manifest.json');
const bundled = existsSync(manifestFile)
  ? bundledTextModel(JSON.parse(readFileSync(manifestFile, 'utf8')))
  : null;

// Skipped only while no text model is in models/manifest.json (it is trained separately).
describe.skipIf(!bundled)('quality gate on the bundled model', () => {
  it('gives the committed verdict for every task', { timeout: 300_000 }, async () => {
    const runtime = new TextRuntime({ localModelPath: join(MODELS, 'text') + '/' });
    const dtype = 'q8';
    await runtime.load({
      source: { key: `bundled:${bundled!.id}`, folder: bundled!.folder },
      backend: 'wasm',
      dtype,
    });
    const tasks = await runGate({
      lexicon: makeLexicon(dictionary),
      generate: async (prompt, maxNewTokens) =>
        (
          await runtime.generate({
            prompt,
            params: clampParams({ temperature: 0, maxNewTokens, seed: 1 }),
          })
        ).text,
    });
    await runtime.unload();
    const onnx = bundled!.files.find((f) => f.path === 'onnx/model_quantized.onnx');
    const results: GateResults = {
      modelId: bundled!.id,
      onnxSha256: onnx?.sha256 ?? '',
      dtype,
      tasks,
    };
    if (process.env.GATE_WRITE === '1')
      writeFileSync(RESULTS, JSON.stringify(results, null, 2) + '\n');
    const committed = JSON.parse(readFileSync(RESULTS, 'utf8')) as GateResults;
    expect(committed.modelId).toBe(bundled!.id);
    expect(committed.onnxSha256).toBe(results.onnxSha256);
    for (const task of GATE_TASKS) {
      expect({ task, ok: tasks[task].ok }).toEqual({ task, ok: committed.tasks[task]!.ok });
    }
  });
});
