/**
 * Upscale 2× on the CPU path (ORT WASM, Node, one thread): a 1 MP image → 4 MP through the
 * render stages (RGBA8 wrapper graph, 512² input tiles with a 6 px halo), side by side with the
 * bare network run once on the whole image as float planar (no tiling, no conversion): the
 * ratio is what tiling and the wrapper cost. Also the same upscale with a two-effect stack after
 * it at 4 MP (contrast, vignette), the whole stack as the Render room runs it.
 *
 * Run: npx vitest run --project bench test/bench/upscale.bench.ts
 */
import * as ort from 'onnxruntime-web';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { afterAll, it } from 'vitest';
import { layer, neuralEffect } from '../../src/shared/effects/registry';
import { CpuRenderer } from '../../workers/render/cpu';
import { renderStages, type StageRunners } from '../../workers/render/pipeline';
import { CpuScaler } from '../../workers/render/scale';
import { record, sideBySide, time } from './measure';

ort.env.wasm.numThreads = 1;
const model = new Uint8Array(
  readFileSync(join(import.meta.dirname, '../../models/upscale2x/model.onnx')),
);
const up = neuralEffect('upscale2x', 'Upscale 2×', 6, 2);
const neural = new Map([[up.id, up]]);
const scaler = new CpuScaler(ort, () => Promise.resolve(model));
const cpu = new CpuRenderer(ort);
const runners: StageRunners = {
  effects: (image, layout, hooks) => cpu.render(image, layout, hooks),
  scale: (image, stage, hooks) => scaler.render(image, stage, hooks),
};
afterAll(async () => {
  await scaler.dispose();
  await cpu.dispose();
});

it('1 MP → 4 MP upscale on WASM (one thread)', { timeout: 600_000 }, async () => {
  const side = 1024;
  const data = new Uint8Array(side * side * 4);
  for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
  const image = { width: side, height: side, data };
  const planar = new Float32Array(3 * side * side).map((_, i) => data[i]! / 255);
  const bare = await ort.InferenceSession.create(model, { executionProviders: ['wasm'] });
  const load = () => loadavg()[0]!.toFixed(2);
  const loadBefore = load();
  const r = await sideBySide(
    () => time(() => renderStages({ image, stack: { effects: [layer(up.id)] } }, neural, runners)),
    () => time(() => bare.run({ image: new ort.Tensor('float32', planar, [1, 3, side, side]) })),
    { runs: 3, warmup: 1 },
  );
  const stack = {
    effects: [layer(up.id), layer('contrast', { amount: 0.2 }), layer('vignette')],
  };
  const withEffects = [] as number[];
  for (let i = 0; i < 2; i++) {
    withEffects.push(await time(() => renderStages({ image, stack }, neural, runners)));
  }
  await bare.release();
  const note = `Node ORT-web WASM, 1 thread, ${cpus().length} cores; loadavg ${loadBefore} → ${load()}`;
  record({
    name: 'upscale 2× 1 MP → 4 MP (stages, tiled 512²)',
    value: r.medianA,
    unit: 'ms',
    baseline: r.medianB,
    ratio: r.ratio,
    backend: 'wasm',
    note: `baseline: the bare network once on the whole 1 MP (float in/out); ${note}`,
  });
  record({
    name: 'upscale 2× + contrast + vignette at 4 MP',
    value: Math.min(...withEffects),
    unit: 'ms',
    backend: 'wasm',
    note: `best of 2; ${note}`,
  });
  console.log({ stages: r.a, bare: r.b, withEffects, loadBefore, loadAfter: load() });
});
