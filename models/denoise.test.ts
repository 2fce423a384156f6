/**
 * The shipped denoiser (models/denoise/model.onnx, as the manifest declares it) through the CPU
 * path's stages in Node, on a real photograph (test/fixtures/render/clean-photo: Grace Hopper,
 * public domain): at Auto it leaves the clean photo as it is, and on the photo with Gaussian noise
 * it removes most of the noise — the noise it finds is about the noise added, and its output is
 * far closer to the clean photo than the noisy input, tiled as untiled.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web';
import { afterAll, describe, expect, it } from 'vitest';
import { layer } from '../src/shared/effects/registry';
import type { EffectStack } from '../src/shared/effects/types';
import { CLEAN_PHOTO } from '../test/e2e/render-helpers';
import { maxDiff, psnr, withNoise } from '../test/helpers/pixels';
import { CpuRenderer } from '../workers/render/cpu';
import type { RgbaImage } from '../workers/render/image';
import { neuralModelsFrom } from '../workers/render/manifest';
import { renderStages, type StageRunners } from '../workers/render/pipeline';

ort.env.wasm.numThreads = 1;
const MODELS_DIR = import.meta.dirname;
const manifest: unknown = JSON.parse(readFileSync(join(MODELS_DIR, 'manifest.json'), 'utf8'));
const source = neuralModelsFrom(manifest).find((m) => m.def.modelId === 'denoise')!;
const bytes = new Uint8Array(readFileSync(join(MODELS_DIR, 'denoise', 'model.onnx')));
const cpu = new CpuRenderer(ort, () => Promise.resolve(bytes));
const runners: StageRunners = {
  effects: (image, layout, hooks) => cpu.render(image, layout, hooks),
  scale: () => Promise.reject(new Error('no scalers here')),
};
afterAll(() => cpu.dispose());

const neural = new Map([[source.def.id, source.def]]);
const auto: EffectStack = { effects: [layer(source.def.id, {}, 'd')] };
const render = (image: RgbaImage, budget?: number) =>
  renderStages({ image, stack: auto, ...(budget ? { budget } : {}) }, neural, runners);

describe('the shipped denoiser', () => {
  it('declares a noise-level input, so the room feeds it σ', () => {
    expect(source.def.denoise?.sigmaInput).toBe('sigma');
  });

  it('at Auto leaves a clean photograph as it is (PSNR against it ≥ 40 dB)', async () => {
    const out = await render(CLEAN_PHOTO);
    expect(out.noise.d! * 255).toBeLessThan(4);
    expect(psnr(out.image.data, CLEAN_PHOTO.data)).toBeGreaterThanOrEqual(40);
  });

  // The first (blind) model made σ 10 worse than the noisy input on photographs (issue 14).
  it.each([
    [10, 3],
    [25, 6],
  ])(
    'at Auto takes Gaussian noise of σ %i down (≥ %i dB closer to the clean photo), tiled as untiled',
    async (sigma, gain) => {
      const noisy = withNoise(CLEAN_PHOTO, sigma);
      const out = await render(noisy);
      expect(out.noise.d! * 255).toBeGreaterThan(sigma * 0.8);
      expect(out.noise.d! * 255).toBeLessThan(sigma * 1.25);
      const before = psnr(noisy.data, CLEAN_PHOTO.data);
      const after = psnr(out.image.data, CLEAN_PHOTO.data);
      expect(after - before).toBeGreaterThan(gain);
      // 64² crops start at even pixels; 61² crops (29 px cores) at odd ones too
      for (const side of [64, 61]) {
        const tiled = await render(noisy, side * side);
        expect(tiled.tiles).toBeGreaterThan(2);
        expect(maxDiff(tiled.image.data, out.image.data)).toBeLessThanOrEqual(1);
      }
    },
  );
});
