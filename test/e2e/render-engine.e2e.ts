/**
 * The render engine in real Chromium: the WGSL render graph (SwiftShader) and the ONNX/WASM path
 * against each other and against the same ONNX path run by ORT in Node; a CPU-only browser;
 * device loss mid-render; cancellation; a neural effect on both paths. Images are tiny, because
 * SwiftShader is slow.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { BLEND_MODES } from '../../src/shared/effects/blend';
import { CLASSIC_EFFECTS } from '../../src/shared/effects/defs';
import { layer, layoutStack } from '../../src/shared/effects/registry';
import { estimateSigma } from '../../src/shared/effects/noise';
import { planStages } from '../../src/shared/effects/stages';
import type { EffectStack } from '../../src/shared/effects/types';
import { downscale, planTiles } from '../../workers/render/image';
import { endSession, MODES, openStudio, waitForReady, type StudioSession } from './browser';
import { maxDiff, psnr, withNoise } from '../helpers/pixels';
import {
  ACTIVE,
  cancelInPage,
  disposeReferences,
  FIVE,
  FIXTURE,
  CLEAN_PHOTO,
  hasDenoise,
  hasUpscale,
  MODELS,
  NEURAL,
  nodeReference,
  nodeStages,
  reference,
  renderInPage,
  shipped,
  SIGMA_NET,
  testImage,
  UPSCALE_STACK,
} from './render-helpers';

const baseURL = inject('baseURL');
afterAll(disposeReferences);

/** The five-effect stack as rendered by each browser mode, compared across modes at the end. */
const byMode = new Map<string, number[]>();

describe.each(MODES)('render engine ($name)', (mode) => {
  let session: StudioSession | undefined;
  afterEach(async () => {
    const ending = session;
    session = undefined;
    await endSession(ending);
  });

  const open = async () => {
    session = await openStudio({ baseURL, mode });
    await waitForReady(session.page);
    await session.page.waitForFunction(() => '__atelier' in globalThis);
    return session.page;
  };

  const backend = mode.webgpu ? 'webgpu' : 'wasm';

  it('Denoise with a σ input: Auto feeds the σ found, as the CPU path in Node; a slider after it in a preview skips the network, its own settings do not', async () => {
    const page = await open();
    const image = testImage(24, 18);
    const stackWith = (contrast: number, noise = 0): EffectStack => ({
      effects: [layer('neural:sigmanet', { noise }, 'd'), layer('contrast', { amount: contrast })],
    });
    const withSigmaNet = [...SIGMA_NET];
    const out = await renderInPage(page, image, stackWith(0.2), { backend: 'auto', withSigmaNet });
    expect(out.backend).toBe(backend);
    expect(out.noise!.d).toBeCloseTo(estimateSigma(image), 6);
    expect(out.networks).toBe(1);
    const node = await nodeStages(image, stackWith(0.2));
    expect(maxDiff(out.data, node)).toBeLessThanOrEqual(1);
    expect(maxDiff(out.data, image.data)).toBeGreaterThan(5);
    // Tiled equals untiled: σ is found once over the whole image.
    const tiled = await renderInPage(page, image, stackWith(0.2), {
      backend: 'auto',
      budget: 14 * 14,
    });
    expect(tiled.tiles).toBeGreaterThan(3);
    expect(maxDiff(tiled.data, out.data)).toBeLessThanOrEqual(1);
    // Previews: the first runs the network, a slider on the contrast after it does not (the
    // same pixels as a full render), a change of Denoise's strength does.
    const preview = { sourceScale: 1, box: { width: 400, height: 400 } };
    const first = await renderInPage(page, image, stackWith(0.3), { backend: 'auto', preview });
    expect(first.networks).toBe(1);
    const slid = await renderInPage(page, image, stackWith(0.5), { backend: 'auto', preview });
    expect(slid.networks).toBe(0);
    expect(slid.noise!.d).toBe(first.noise!.d);
    const direct = await renderInPage(page, image, stackWith(0.5), { backend: 'auto' });
    expect(maxDiff(slid.data, direct.data)).toBe(0);
    const light = await renderInPage(page, image, stackWith(0.5, 1), { backend: 'auto', preview });
    expect(light.networks).toBe(1);
    expect(maxDiff(light.data, slid.data)).toBeGreaterThan(0);
    expect(maxDiff(light.data, await nodeStages(image, stackWith(0.5, 1)))).toBeLessThanOrEqual(1);
  });

  it.runIf(hasDenoise)(
    'Denoise at Auto leaves a clean photograph visibly unchanged (PSNR ≥ 40 dB) and takes noise down, tiles at odd places as the whole image, as in Node',
    async () => {
      const page = await open();
      const stack = { effects: [layer('neural:denoise', {}, 'd')] };
      const out = await renderInPage(page, CLEAN_PHOTO, stack, { backend: 'auto' });
      expect(out.backend).toBe(backend);
      expect(out.noise!.d! * 255).toBeLessThan(4);
      expect(psnr(out.data, CLEAN_PHOTO.data)).toBeGreaterThanOrEqual(40);
      // The network works on a 2×2 grid; 61² crops start at odd pixels and it aligns them itself.
      const noisy = withNoise(CLEAN_PHOTO, 15);
      const whole = await renderInPage(page, noisy, stack, { backend: 'auto' });
      expect(
        psnr(whole.data, CLEAN_PHOTO.data) - psnr(noisy.data, CLEAN_PHOTO.data),
      ).toBeGreaterThan(4);
      const tiled = await renderInPage(page, noisy, stack, { backend: 'auto', budget: 61 * 61 });
      expect(tiled.tiles).toBeGreaterThan(3);
      expect(maxDiff(tiled.data, whole.data)).toBeLessThanOrEqual(1);
      expect(maxDiff(whole.data, await nodeStages(noisy, stack))).toBeLessThanOrEqual(2);
    },
  );

  if (mode.webgpu) {
    it('every effect: WGSL on the GPU equals the ONNX path (browser WASM and Node) within 1/255', async () => {
      const page = await open();
      const image = testImage(20, 14);
      for (const def of CLASSIC_EFFECTS) {
        const stack = { effects: [layer(def.id, ACTIVE[def.id])] };
        const gpu = await renderInPage(page, image, stack, { backend: 'webgpu' });
        expect(gpu.backend).toBe('webgpu');
        expect(gpu.adapter).toBeTruthy();
        const cpu = await renderInPage(page, image, stack, { backend: 'wasm' });
        expect(cpu.backend).toBe('wasm');
        const node = await nodeReference(image, stack);
        expect(maxDiff(gpu.data, cpu.data), `${def.id}: GPU vs browser WASM`).toBeLessThanOrEqual(
          1,
        );
        expect(maxDiff(cpu.data, node), `${def.id}: browser WASM vs Node`).toBeLessThanOrEqual(1);
        expect(maxDiff(gpu.data, image.data), `${def.id} changed the image`).toBeGreaterThan(0);
      }
    });

    it('every blend mode at part opacity, and masks, on point and area layers: GPU equals the CPU path within 1/255', async () => {
      const page = await open();
      const image = testImage(24, 18);
      for (const { mode: blend } of BLEND_MODES) {
        const stack = {
          effects: [
            { ...layer('exposure', ACTIVE.exposure), blend, opacity: 0.7 },
            layer('contrast', ACTIVE.contrast),
            { ...layer('blur', ACTIVE.blur), blend, opacity: 0.55 },
            { ...layer('hsl', ACTIVE.hsl), blend, opacity: 0.8 },
            {
              ...layer('bloom', ACTIVE.bloom),
              blend,
              opacity: 0.6,
              mask: { kind: 'radial' as const, cx: 0.4, cy: 0.6, rx: 0.5, ry: 0.3, feather: 0.4 },
            },
            {
              ...layer('saturation', ACTIVE.saturation),
              mask: { kind: 'linear' as const, x0: 0.1, y0: 0.2, x1: 0.8, y1: 0.9, invert: true },
            },
          ],
        };
        const gpu = await renderInPage(page, image, stack, { backend: 'webgpu' });
        expect(gpu.backend).toBe('webgpu');
        const cpu = await renderInPage(page, image, stack, { backend: 'wasm' });
        const node = await nodeReference(image, stack);
        expect(maxDiff(gpu.data, cpu.data), `${blend}: GPU vs browser WASM`).toBeLessThanOrEqual(1);
        expect(maxDiff(cpu.data, node), `${blend}: browser WASM vs Node`).toBeLessThanOrEqual(1);
      }
    });

    it('brush masks on point and area layers: GPU equals the CPU path and Node within 1/255, tiled too', async () => {
      const page = await open();
      const image = testImage(48, 36);
      const mask = {
        kind: 'brush' as const,
        aspect: 48 / 36,
        strokes: [
          { points: [0.1, 0.3, 0.5, 0.5, 0.85, 0.35], size: 0.2, hardness: 0.3 },
          { points: [0.3, 0.8], size: 0.15, hardness: 1 },
          { points: [0.45, 0.1, 0.45, 0.9], size: 0.06, hardness: 0.5, erase: true },
        ],
      };
      const stack = {
        effects: [
          { ...layer('exposure', ACTIVE.exposure), mask },
          { ...layer('blur', ACTIVE.blur), blend: 'screen' as const, opacity: 0.8, mask },
          { ...layer('saturation', ACTIVE.saturation), mask: { ...mask, invert: true } },
        ],
      };
      const gpu = await renderInPage(page, image, stack, { backend: 'webgpu' });
      expect(gpu.backend).toBe('webgpu');
      const tiled = await renderInPage(page, image, stack, { backend: 'webgpu', budget: 20 * 20 });
      expect(tiled.tiles).toBeGreaterThan(1);
      const cpu = await renderInPage(page, image, stack, { backend: 'wasm' });
      const node = await nodeReference(image, stack);
      expect(maxDiff(gpu.data, cpu.data), 'GPU vs browser WASM').toBeLessThanOrEqual(1);
      expect(maxDiff(tiled.data, gpu.data), 'GPU tiled vs whole').toBeLessThanOrEqual(1);
      expect(maxDiff(cpu.data, node), 'browser WASM vs Node').toBeLessThanOrEqual(1);
      const plain = await nodeReference(image, {
        effects: stack.effects.map(({ mask: _m, ...e }) => e),
      });
      expect(maxDiff(gpu.data, plain), 'the mask holds the layers back').toBeGreaterThan(8);
    });

    it('fuses a stack into few passes, tiles seamlessly, and matches the CPU path', async () => {
      const page = await open();
      const image = testImage(40, 30);
      const whole = await renderInPage(page, image, FIVE, { backend: 'webgpu' });
      const tiled = await renderInPage(page, image, FIVE, { backend: 'webgpu', budget: 24 * 24 });
      expect(whole.tiles).toBe(1);
      expect(tiled.tiles).toBeGreaterThan(1);
      // One upload and one readback per tile.
      expect(whole.gpu).toMatchObject({ uploads: 1, readbacks: 1, liveTensors: 0 });
      expect(tiled.gpu).toMatchObject({ uploads: tiled.tiles, readbacks: tiled.tiles });
      expect(tiled.progress).toEqual(Array.from({ length: tiled.tiles }, (_, i) => i + 1));
      expect(maxDiff(tiled.data, whole.data)).toBeLessThanOrEqual(1);
      expect(maxDiff(whole.data, await nodeReference(image, FIVE))).toBeLessThanOrEqual(1);
      byMode.set('webgpu', whole.data);
    });

    it('a device lost mid-render still delivers the image, from the CPU path in a fresh worker', async () => {
      const page = await open();
      const image = testImage(40, 30);
      const out = await renderInPage(page, image, FIVE, {
        backend: 'auto',
        budget: 24 * 24,
        lossAfterTiles: 1,
      });
      expect(out.backend).toBe('wasm');
      expect(out.notice).toMatch(/^The GPU stopped during this render \(The GPU device was lost/);
      expect(out.notice).toMatch(/it was finished on the CPU\.$/);
      expect(maxDiff(out.data, await nodeReference(image, FIVE))).toBeLessThanOrEqual(1);
      // The next render gets a fresh GPU worker again.
      const again = await renderInPage(page, image, FIVE, { backend: 'auto' });
      expect(again.backend).toBe('webgpu');
    });

    it('runs a neural effect on ORT WebGPU with the shared device, equal to the CPU path', async () => {
      const page = await open();
      const image = testImage(16, 12);
      const stack = {
        effects: [layer('neural:fixture', { strength: 0.8 }), layer('contrast', { amount: 0.2 })],
      };
      const fixture = [...FIXTURE];
      const gpu = await renderInPage(page, image, stack, {
        backend: 'webgpu',
        withFixture: fixture,
      });
      expect(gpu.backend).toBe('webgpu');
      // The network reads and writes GPU buffers: one upload, one readback, its outputs disposed.
      expect(gpu.gpu).toMatchObject({ uploads: 1, readbacks: 1, liveTensors: 0 });
      const cpu = await renderInPage(page, image, stack, { backend: 'wasm' });
      const node = await nodeReference(image, stack);
      expect(maxDiff(cpu.data, node)).toBeLessThanOrEqual(1);
      expect(maxDiff(gpu.data, node)).toBeLessThanOrEqual(1);
      expect(maxDiff(gpu.data, image.data)).toBeGreaterThan(5);
    });

    it.runIf(hasUpscale)(
      'Upscale 2× on ORT WebGPU (shared device): 2× size, tiled equals untiled, equal to the CPU path',
      async () => {
        const page = await open();
        const image = testImage(20, 14);
        const gpu = await renderInPage(page, image, UPSCALE_STACK, { backend: 'webgpu' });
        expect(gpu.backend).toBe('webgpu');
        expect([gpu.width, gpu.height, gpu.data.length]).toEqual([40, 28, 40 * 28 * 4]);
        // Three stages, one tile each; the image stays on the GPU between them: one upload of
        // the input, one readback of the output (it was one of each per stage).
        expect(gpu.tiles).toBe(3);
        expect(gpu.gpu).toMatchObject({ uploads: 1, readbacks: 1, liveTensors: 0 });
        const budget = 16 * 16;
        const tiled = await renderInPage(page, image, UPSCALE_STACK, { backend: 'webgpu', budget });
        // Per stage: its tiles over its input (the upscale's halo in input px).
        const { stages } = planStages(UPSCALE_STACK, { neural: NEURAL });
        const perStage = stages.map((stage, k) =>
          stage.kind === 'scale'
            ? planTiles(20, 14, stage.reach, budget).length
            : k === 0
              ? planTiles(20, 14, stage.layout.reach, budget).length
              : planTiles(40, 28, stage.layout.reach, budget).length,
        );
        expect(perStage.length).toBe(3);
        expect(tiled.tiles).toBe(perStage[0]! + perStage[1]! + perStage[2]!);
        expect(tiled.tiles).toBeGreaterThan(4);
        // Uploads: the first stage's tiles; readbacks: exactly one per tile of the output.
        expect(tiled.gpu).toMatchObject({
          uploads: perStage[0],
          readbacks: perStage[2],
          liveTensors: 0,
        });
        expect(tiled.progress).toEqual(Array.from({ length: tiled.tiles }, (_, i) => i + 1));
        expect(maxDiff(tiled.data, gpu.data)).toBeLessThanOrEqual(1);
        // Rendering again frees what each render made: the live buffers (the cached tile
        // buffers) stay as many, no ORT output is left undisposed.
        const live = tiled.gpu!.liveBuffers;
        for (const again of [{}, { budget }, {}]) {
          const r = await renderInPage(page, image, UPSCALE_STACK, { backend: 'webgpu', ...again });
          expect(r.gpu).toMatchObject({ liveBuffers: live, liveTensors: 0 });
          expect(maxDiff(r.data, gpu.data)).toBeLessThanOrEqual(1);
        }
        const cpu = await renderInPage(page, image, UPSCALE_STACK, { backend: 'wasm' });
        const node = await nodeStages(image, UPSCALE_STACK);
        expect(maxDiff(cpu.data, node), 'browser WASM vs Node').toBeLessThanOrEqual(1);
        expect(maxDiff(gpu.data, node), 'WebGPU vs Node').toBeLessThanOrEqual(2);
        byMode.set('upscale-webgpu', gpu.data);
        // A preview whose 2× fits the box runs the network; moving a slider after the upscale
        // reuses its result, kept on the GPU (a copy), from the same input and the same stages.
        const preview = { sourceScale: 1, box: { width: 400, height: 400 } };
        const first = await renderInPage(page, image, UPSCALE_STACK, {
          backend: 'webgpu',
          preview,
        });
        expect(first.gpu).toMatchObject({ networks: 1, readbacks: 1 });
        expect(maxDiff(first.data, gpu.data)).toBe(0);
        const moved: EffectStack = {
          effects: UPSCALE_STACK.effects.map((e) =>
            e.effectId === 'vignette' ? { ...e, params: { amount: 0.9 } } : e,
          ),
        };
        const slid = await renderInPage(page, image, moved, { backend: 'webgpu', preview });
        // The whole neural prefix (contrast, upscale) comes from the kept copy: no upload.
        expect(slid.gpu).toMatchObject({ networks: 0, uploads: 0, readbacks: 1, liveTensors: 0 });
        expect(slid.networks).toBe(0);
        const direct = await renderInPage(page, image, moved, { backend: 'webgpu' });
        expect(direct.gpu!.networks).toBe(1);
        expect(maxDiff(slid.data, direct.data)).toBe(0);
        expect(maxDiff(slid.data, gpu.data)).toBeGreaterThan(0);
        // A change before the upscale: its input differs, the network runs again.
        const earlier: EffectStack = {
          effects: moved.effects.map((e) =>
            e.effectId === 'contrast' ? { ...e, params: { amount: 0.1 } } : e,
          ),
        };
        const rerun = await renderInPage(page, image, earlier, { backend: 'webgpu', preview });
        expect(rerun.gpu!.networks).toBe(1);
        // The device lost in the stage after the upscale (its image on the GPU): the job still
        // arrives, from the CPU path.
        const lost = await renderInPage(page, image, UPSCALE_STACK, {
          backend: 'auto',
          budget,
          lossAfterTiles: perStage[0]! + perStage[1]! + 1,
        });
        expect(lost.backend).toBe('wasm');
        expect(lost.notice).toMatch(/^The GPU stopped during this render/);
        expect([lost.width, lost.height]).toEqual([40, 28]);
        expect(maxDiff(lost.data, node)).toBeLessThanOrEqual(1);
      },
    );
  } else {
    it.runIf(hasUpscale)(
      'Upscale 2× without an adapter: WASM, equal to the WebGPU run; over 40 MP is refused before any work',
      async () => {
        const page = await open();
        const image = testImage(20, 14);
        const out = await renderInPage(page, image, UPSCALE_STACK, { backend: 'auto' });
        expect(out.backend).toBe('wasm');
        expect([out.width, out.height]).toEqual([40, 28]);
        expect(maxDiff(out.data, await nodeStages(image, UPSCALE_STACK))).toBeLessThanOrEqual(1);
        const gpuRun = byMode.get('upscale-webgpu');
        expect(gpuRun, 'the WebGPU mode ran first').toBeDefined();
        expect(maxDiff(out.data, gpuRun!)).toBeLessThanOrEqual(2);
        const refused = await page.evaluate(async () => {
          type Hooks = { render: (o: unknown) => Promise<unknown> };
          const hooks = (globalThis as unknown as { __atelier: Hooks }).__atelier;
          const started = performance.now();
          const error = await hooks
            .render({
              image: { width: 4600, height: 4400, data: new Uint8Array(4600 * 4400 * 4) },
              stack: {
                effects: [{ id: 'u', effectId: 'neural:upscale2x', enabled: true, params: {} }],
              },
              backend: 'wasm',
            })
            .then(
              () => 'rendered',
              (e: { code?: string; message: string }) => `${e.code}: ${e.message}`,
            );
          return { error, ms: performance.now() - started };
        });
        expect(refused.error).toBe(
          'too-large: Upscaling 4600×4400 2× would make 9200×8800 (81.0 MP); this device renders up to 40.0 MP and 32767 px a side. Nothing was changed: remove the upscale or render a smaller work.',
        );
        // Refused up front, not after minutes of network.
        expect(refused.ms).toBeLessThan(5000);

        // Cancelled mid-upscale: stops within one tile, the worker stays usable.
        const cancel = await cancelInPage(page, {
          side: 384,
          fill: 90,
          stack: {
            effects: [{ id: 'u', effectId: 'neural:upscale2x', enabled: true, params: {} }],
          },
          budget: 96 * 96,
        });
        expect(cancel.error).toBe('AbortError');
        // 25 input tiles in all (84 px cores, 6 px halos); at most one more after the cancel.
        expect(cancel.seen).toBeLessThanOrEqual(4);
        expect(cancel.afterAbort).toBeLessThanOrEqual(2);
        expect(cancel.nextWidth).toBe(16);
      },
    );

    it('without an adapter renders on WASM, equal to the WebGPU run of the same stack', async () => {
      const page = await open();
      const image = testImage(40, 30);
      const out = await renderInPage(page, image, FIVE, { backend: 'auto' });
      expect(out.backend).toBe('wasm');
      expect(out.adapter).toBeNull();
      expect(maxDiff(out.data, await nodeReference(image, FIVE))).toBeLessThanOrEqual(1);
      // A preview at half size: box-downscaled input, spatial params (blur σ) halved.
      const half = await renderInPage(page, image, FIVE, {
        backend: 'auto',
        size: { width: 20, height: 15 },
      });
      expect([half.width, half.height]).toEqual([20, 15]);
      const halfStack = {
        effects: FIVE.effects.map((e) =>
          e.effectId === 'blur' ? { ...e, params: { sigma: (e.params.sigma as number) / 2 } } : e,
        ),
      };
      const small = await reference.render(
        downscale(image, 20, 15),
        layoutStack(halfStack, { neural: NEURAL }),
      );
      expect(maxDiff(half.data, small.data)).toBeLessThanOrEqual(1);
      const gpuRun = byMode.get('webgpu');
      expect(gpuRun, 'the WebGPU mode ran first').toBeDefined();
      expect(maxDiff(out.data, gpuRun!)).toBeLessThanOrEqual(1);
    });

    it.runIf(shipped.length > 0)(
      'lists the manifest’s image-to-image models and runs them (fetched, checksummed)',
      async () => {
        const page = await open();
        const listed = await page.evaluate(async () => {
          type Hooks = { neuralEffects: () => Promise<{ effectId: string }[]> };
          const hooks = (globalThis as unknown as { __atelier: Hooks }).__atelier;
          return (await hooks.neuralEffects()).map((e) => e.effectId).sort();
        });
        expect(listed).toEqual(shipped.map((s) => s.def.id).sort());
        const image = testImage(24, 16);
        for (const s of shipped) {
          const scaler = s.def.scale !== 1;
          const stack = { effects: [layer(s.def.id, scaler ? {} : { strength: 1 })] };
          const file = readFileSync(join(MODELS, s.file!.path));
          const intact = createHash('sha256').update(file).digest('hex') === s.file!.sha256;
          if (!intact) {
            // A model file that does not match the manifest (e.g. mid-retraining) is refused.
            await expect(renderInPage(page, image, stack, { backend: 'auto' })).rejects.toThrow(
              `The model “${s.def.modelId}” is unavailable: its checksum does not match.`,
            );
            continue;
          }
          const out = await renderInPage(page, image, stack, { backend: 'auto' });
          expect(out.backend).toBe('wasm');
          expect([out.width, out.height]).toEqual([24 * s.def.scale, 16 * s.def.scale]);
          const want = scaler ? await nodeStages(image, stack) : await nodeReference(image, stack);
          expect(maxDiff(out.data, want)).toBeLessThanOrEqual(1);
        }
      },
    );

    it('cancels a long render within one tile and keeps the worker usable', async () => {
      const page = await open();
      // Tiles long enough (512² crops) that a progress message reaches the page, and the cancel
      // the worker, well within one tile even on a busy machine.
      const result = await cancelInPage(page, {
        side: 2048,
        fill: 120,
        stack: { effects: [{ id: 'b', effectId: 'blur', enabled: true, params: { sigma: 8 } }] },
        budget: 512 * 512,
      });
      expect(result.error).toBe('AbortError');
      // 25 tiles in all; the worker stops after the tile in flight when the cancel arrives.
      expect(result.seen).toBeLessThanOrEqual(4);
      expect(result.afterAbort).toBeLessThanOrEqual(2);
      expect(result.nextTiles).toBe(1);
    });
  }
});
