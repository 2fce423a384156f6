/**
 * Denoise on the CPU path (ORT WASM in Node), through the render stages: a network with a σ
 * input (the noise-level contract; test/fixtures/render/sigma-net.onnx, a σ-controlled blur) is
 * fed the σ estimated once over the whole image at Auto, or the level's σ, the same for every
 * tile; a σ-blind denoiser (the fixture net) mixes in as much as the noise found calls for, so a
 * clean image comes back unchanged.
 */
import * as ort from 'onnxruntime-web';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { estimateSigma, LEVEL_SIGMA } from '../../src/shared/effects/noise';
import { layer, neuralEffect } from '../../src/shared/effects/registry';
import type { EffectStack } from '../../src/shared/effects/types';
import { maxDiff } from '../../test/helpers/pixels';
import { CpuRenderer } from './cpu';
import type { RgbaImage } from './image';
import { renderStages, type StageRunners } from './pipeline';

ort.env.wasm.numThreads = 1;
const fixture = (name: string) =>
  new Uint8Array(readFileSync(join(import.meta.dirname, '../../test/fixtures/render', name)));
const SIGMA_NET = fixture('sigma-net.onnx');
const BLIND_NET = fixture('fixture-net.onnx');

const aware = neuralEffect('aware', 'Denoise', 2, 1, { denoise: { sigmaInput: 'sigma' } });
const blind = neuralEffect('blind', 'Denoise', 2, 1, { denoise: {} });
const neural = new Map([
  [aware.id, aware],
  [blind.id, blind],
]);
const cpu = new CpuRenderer(ort, async (id) => (id === 'aware' ? SIGMA_NET : BLIND_NET));
const runners: StageRunners = {
  effects: (image, layout, hooks) => cpu.render(image, layout, hooks),
  scale: () => Promise.reject(new Error('no scalers here')),
};
afterAll(() => cpu.dispose());

/** A smooth image plus Gaussian noise of σ₂₅₅ `sigma`. */
function noisy(width: number, height: number, sigma: number): RgbaImage {
  let s = 11;
  const u = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 0.5) / 2 ** 32;
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      const n = () => sigma * Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
      data[i] = Math.round(Math.min(255, Math.max(0, 40 + (170 * x) / width + n())));
      data[i + 1] = Math.round(Math.min(255, Math.max(0, 60 + (150 * y) / height + n())));
      data[i + 2] = Math.round(Math.min(255, Math.max(0, 128 + 50 * Math.sin(x / 9) + n())));
      data[i + 3] = 255;
    }
  }
  return { width, height, data };
}

/** The bare σ network on the whole image at `sigma`, clamped and quantised. */
async function bare(image: RgbaImage, sigma: number): Promise<Uint8Array> {
  const { width: w, height: h } = image;
  const planar = new Float32Array(3 * w * h);
  for (let i = 0; i < w * h; i++) {
    for (let c = 0; c < 3; c++) planar[c * w * h + i] = image.data[i * 4 + c]! / 255;
  }
  const session = await ort.InferenceSession.create(SIGMA_NET);
  const out = await session.run({
    image: new ort.Tensor('float32', planar, [1, 3, h, w]),
    sigma: new ort.Tensor('float32', new Float32Array([sigma]), [1, 1, 1, 1]),
  });
  await session.release();
  const y = out.denoised!.data as Float32Array;
  const data = new Uint8Array(image.data);
  for (let i = 0; i < w * h; i++) {
    for (let c = 0; c < 3; c++) {
      data[i * 4 + c] = Math.round(Math.min(1, Math.max(0, y[c * w * h + i]!)) * 255);
    }
  }
  return data;
}

const render = (image: RgbaImage, stack: EffectStack, budget?: number) =>
  renderStages({ image, stack, ...(budget ? { budget } : {}) }, neural, runners);

describe('Denoise on the CPU path', () => {
  it('Auto feeds the σ estimated over the whole image to every tile; a level feeds its σ', async () => {
    const image = noisy(96, 72, 12);
    const found = estimateSigma(image);
    expect(found * 255).toBeGreaterThan(10);
    const auto: EffectStack = { effects: [layer(aware.id, {}, 'd')] };
    const whole = await render(image, auto);
    expect(whole.noise).toEqual({ d: found });
    expect(maxDiff(whole.image.data, await bare(image, found))).toBeLessThanOrEqual(1);
    expect(maxDiff(whole.image.data, image.data)).toBeGreaterThan(5);
    const tiled = await render(image, auto, 40 * 40);
    expect(tiled.tiles).toBeGreaterThan(2);
    expect(maxDiff(tiled.image.data, whole.image.data)).toBeLessThanOrEqual(1);
    // Light (index 1): its own σ, nothing estimated.
    const light = await render(image, { effects: [layer(aware.id, { noise: 1 }, 'd')] });
    expect(light.noise).toEqual({});
    expect(maxDiff(light.image.data, await bare(image, LEVEL_SIGMA.light))).toBeLessThanOrEqual(1);
    // Effects before it change what it sees: σ is estimated on its own input.
    const brighter = await render(image, {
      effects: [layer('contrast', { amount: 0.8 }), layer(aware.id, {}, 'd')],
    });
    expect(brighter.noise.d).toBeGreaterThan(found * 1.2);
  });

  it('a σ-blind denoiser on Auto leaves a clean image unchanged and works on a noisy one', async () => {
    const clean = noisy(64, 48, 0);
    const auto = { effects: [layer(blind.id, {}, 'd'), layer('contrast', { amount: 0.1 })] };
    const plain = { effects: [layer('contrast', { amount: 0.1 })] };
    const out = await render(clean, auto);
    expect(out.noise.d! * 255).toBeLessThan(2);
    expect(maxDiff(out.image.data, (await render(clean, plain)).image.data)).toBe(0);
    const rough = noisy(64, 48, 20);
    const full = await render(rough, { effects: [layer(blind.id, {}, 'd')] });
    // Strong noise: all of the network's output, as a plain neural effect at strength 1.
    const plainNet = neuralEffect('blind', 'Net', 2);
    const want = await renderStages(
      { image: rough, stack: { effects: [layer(plainNet.id, { strength: 1 })] } },
      new Map([[plainNet.id, plainNet]]),
      runners,
    );
    expect(maxDiff(full.image.data, want.image.data)).toBeLessThanOrEqual(1);
    expect(maxDiff(full.image.data, rough.data)).toBeGreaterThan(5);
  });
});
