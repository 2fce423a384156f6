/**
 * Shared helpers for the render-engine e2e spec: the Node reference renderers (the CPU path's
 * ONNX effects and scalers run by ORT in Node, on the fixture net and the models as built into
 * the app under test), a deterministic test image, fixture stacks, and the page-side calls that
 * render or cancel through the app's test hook (`__atelier`).
 */
import * as ort from 'onnxruntime-web';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { layer, neuralEffect } from '../../src/shared/effects/registry';
import type { EffectStack, StackEffect } from '../../src/shared/effects/types';
import { CpuRenderer } from '../../workers/render/cpu';
import { neuralModelsFrom } from '../../workers/render/manifest';
import type { RgbaImage } from '../../workers/render/image';
import { renderStages } from '../../workers/render/pipeline';
import { CpuScaler } from '../../workers/render/scale';

ort.env.wasm.numThreads = 1;
export const FIXTURE = new Uint8Array(
  readFileSync(join(import.meta.dirname, '../fixtures/render/fixture-net.onnx')),
);
/** A tiny denoiser with a σ input (test/fixtures/render/make-sigma-net.ts). */
export const SIGMA_NET = new Uint8Array(
  readFileSync(join(import.meta.dirname, '../fixtures/render/sigma-net.onnx')),
);
/** A clean photograph, 160×128 RGBA (Grace Hopper, public domain, from python-matplotlib-data). */
export const CLEAN_PHOTO: RgbaImage = {
  width: 160,
  height: 128,
  data: new Uint8Array(
    readFileSync(join(import.meta.dirname, '../fixtures/render/clean-photo-160x128.rgba')),
  ),
};
// The models as built into the app under test (the trainer may be rewriting models/ meanwhile).
const BUILT_MODELS = join(import.meta.dirname, '../..', process.env.E2E_OUTDIR ?? 'dist', 'models');
export const MODELS = existsSync(join(BUILT_MODELS, 'manifest.json'))
  ? BUILT_MODELS
  : join(import.meta.dirname, '../../models');
export const shipped = existsSync(join(MODELS, 'manifest.json'))
  ? neuralModelsFrom(JSON.parse(readFileSync(join(MODELS, 'manifest.json'), 'utf8')))
  : [];
export const reference = new CpuRenderer(ort, async (id) => {
  if (id === 'fixture') return FIXTURE;
  if (id === 'sigmanet') return SIGMA_NET;
  const source = shipped.find((s) => s.def.modelId === id)!;
  return new Uint8Array(readFileSync(join(MODELS, source.file!.path)));
});
export const NEURAL = new Map([
  ['neural:fixture', neuralEffect('fixture', 'Fixture net', 2)],
  [
    'neural:sigmanet',
    neuralEffect('sigmanet', 'Denoise (σ test net)', 2, 1, { denoise: { sigmaInput: 'sigma' } }),
  ],
  ...shipped.map((s) => [s.def.id, s.def] as const),
]);
const referenceScaler = new CpuScaler(ort, async (id) => {
  const source = shipped.find((s) => s.def.modelId === id)!;
  return new Uint8Array(readFileSync(join(MODELS, source.file!.path)));
});
/** Frees the Node reference renderers' ORT sessions (call from the spec's `afterAll`). */
export async function disposeReferences(): Promise<void> {
  await reference.dispose();
  await referenceScaler.dispose();
}
/** Whether a shipped model's file matches the manifest (it may be mid-retraining). */
function intact(modelId: string): boolean {
  const source = shipped.find((s) => s.def.modelId === modelId);
  return (
    !!source &&
    createHash('sha256')
      .update(readFileSync(join(MODELS, source.file!.path)))
      .digest('hex') === source.file!.sha256
  );
}
/** The shipped upscaler, when its file matches the manifest. */
export const hasUpscale = intact('upscale2x');
/** The shipped denoiser, when its file matches the manifest. */
export const hasDenoise = intact('denoise');
/** Effects before, the upscale, effects after (at 2×). */
export const UPSCALE_STACK: EffectStack = {
  effects: [
    layer('contrast', { amount: 0.3 }),
    layer('neural:upscale2x'),
    layer('vignette', { amount: 0.6 }),
    layer('sharpen', { amount: 0.8, sigma: 1 }),
  ],
};

/** A stack with a scaler, rendered by the CPU path's stages in Node. */
export async function nodeStages(image: RgbaImage, stack: EffectStack): Promise<Uint8Array> {
  const out = await renderStages({ image, stack }, NEURAL, {
    effects: (img, layout, hooks) => reference.render(img, layout, hooks),
    scale: (img, stage, hooks) => referenceScaler.render(img, stage, hooks),
  });
  return out.image.data as Uint8Array;
}

export function testImage(width: number, height: number): RgbaImage {
  const data = new Uint8Array(width * height * 4);
  let s = 99;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      const i = (y * width + x) * 4;
      data[i] = Math.round((255 * x) / (width - 1));
      data[i + 1] = Math.round((255 * y) / (height - 1));
      data[i + 2] = (s >>> 16) & 255;
      data[i + 3] = 200 + (x % 50);
    }
  }
  return { width, height, data };
}

/** Non-default params for every classic effect (so no check compares identities). */
export const ACTIVE: Record<string, StackEffect['params']> = {
  exposure: { ev: 0.7 },
  contrast: { amount: 0.4 },
  saturation: { amount: 0.6 },
  temperature: { temperature: 0.5, tint: -0.3 },
  curve: { points: [0, 0.05, 0.3, 0.2, 0.7, 0.85, 1, 1] },
  hsl: {
    redsHue: 0.5,
    orangesSat: 0.6,
    yellowsLight: -0.5,
    greensHue: -0.7,
    aquasSat: -0.4,
    bluesLight: 0.6,
    purplesHue: 0.3,
    magentasSat: 0.8,
    bluesSat: 0.5,
  },
  matrix: { matrix: [0.9, 0.1, 0, 0.02, 0.05, 0.8, 0.15, 0, 0.1, 0.2, 0.7, -0.03] },
  vignette: { amount: 0.8, radius: 0.2, feather: 0.6 },
  grain: { amount: 0.3, size: 2, seed: 9 },
  posterize: { levels: 5 },
  blur: { sigma: 1.5 },
  sharpen: { amount: 1.5, sigma: 1 },
  bloom: { amount: 1, threshold: 0.5, sigma: 2 },
  ink: { strength: 0.8, sensitivity: 3 },
  pixelate: { size: 4 },
};

export const FIVE: EffectStack = {
  effects: [
    layer('exposure', { ev: 0.3 }),
    layer('contrast', { amount: 0.2 }),
    layer('saturation', { amount: 0.3 }),
    layer('blur', { sigma: 1.2 }),
    layer('vignette', { amount: 0.5 }),
  ],
};

export interface GpuCounts {
  uploads: number;
  readbacks: number;
  liveBuffers: number;
  liveTensors: number;
  networks: number;
}

export interface PageResult {
  width: number;
  height: number;
  data: number[];
  backend: string;
  adapter: string | null;
  tiles: number;
  notice?: string;
  gpu?: GpuCounts;
  progress: number[];
  /** Network stages run (0: a preview took them from the kept output). */
  networks: number;
  /** σ found by each Auto denoise layer. */
  noise?: Record<string, number>;
}

export interface PageRequest {
  image: { width: number; height: number; data: number[] };
  stack: EffectStack;
  backend: 'auto' | 'webgpu' | 'wasm';
  budget?: number;
  size?: { width: number; height: number };
  preview?: { sourceScale: number; box: { width: number; height: number } };
  lossAfterTiles?: number;
  withFixture?: number[];
  /** Registers test/fixtures/render/sigma-net.onnx as `neural:sigmanet` (a denoiser with σ). */
  withSigmaNet?: number[];
}

export async function renderInPage(
  page: Page,
  image: RgbaImage,
  stack: EffectStack,
  options: Omit<PageRequest, 'image' | 'stack'>,
): Promise<PageResult> {
  const request: PageRequest = {
    image: { width: image.width, height: image.height, data: [...image.data] },
    stack,
    ...options,
  };
  return page.evaluate(async (req: PageRequest) => {
    type Hooks = {
      render: (o: unknown) => Promise<{
        width: number;
        height: number;
        data: Uint8Array;
        backend: string;
        adapter: string | null;
        tiles: number;
        notice?: string;
        gpu?: GpuCounts;
        networks: number;
        noise?: Record<string, number>;
      }>;
      simulateDeviceLoss: (tiles: number) => Promise<void>;
      registerModel: (m: unknown) => void;
    };
    const hooks = (globalThis as unknown as { __atelier: Hooks }).__atelier;
    if (req.withFixture) {
      hooks.registerModel({
        modelId: 'fixture',
        name: 'Fixture net',
        bytes: new Uint8Array(req.withFixture),
        reach: 2,
      });
    }
    if (req.withSigmaNet) {
      hooks.registerModel({
        modelId: 'sigmanet',
        name: 'Denoise (σ test net)',
        bytes: new Uint8Array(req.withSigmaNet),
        reach: 2,
        denoise: { sigmaInput: 'sigma' },
      });
    }
    if (req.lossAfterTiles !== undefined) await hooks.simulateDeviceLoss(req.lossAfterTiles);
    const progress: number[] = [];
    const out = await hooks.render({
      image: {
        width: req.image.width,
        height: req.image.height,
        data: new Uint8Array(req.image.data),
      },
      stack: req.stack,
      backend: req.backend,
      ...(req.budget ? { budget: req.budget } : {}),
      ...(req.size ? { size: req.size } : {}),
      ...(req.preview ? { preview: req.preview } : {}),
      onProgress: (p: { done: number }) => progress.push(p.done),
    });
    return {
      width: out.width,
      height: out.height,
      data: [...out.data],
      backend: out.backend,
      adapter: out.adapter,
      tiles: out.tiles,
      ...(out.notice ? { notice: out.notice } : {}),
      ...(out.gpu ? { gpu: out.gpu } : {}),
      ...(out.noise ? { noise: out.noise } : {}),
      networks: out.networks,
      progress,
    };
  }, request);
}

export interface CancelResult {
  /** The aborted render's error name ('AbortError' when cancelled). */
  error: string;
  /** Progress callbacks seen in all, and after the abort was issued. */
  seen: number;
  afterAbort: number;
  /** The size and tile count of a small render in the same worker after the cancel. */
  nextWidth: number;
  nextTiles: number;
}

/**
 * Renders a flat `side`² image through `stack` on WASM with a `budget`-pixel tile size, aborts at
 * the second progress report, then renders an 8×8 image in the same worker.
 */
export async function cancelInPage(
  page: Page,
  request: { side: number; fill: number; stack: EffectStack; budget: number },
): Promise<CancelResult> {
  return page.evaluate(async ({ side, fill, stack, budget }) => {
    type Hooks = { render: (o: unknown) => Promise<{ width: number; tiles: number }> };
    const hooks = (globalThis as unknown as { __atelier: Hooks }).__atelier;
    const controller = new AbortController();
    let seen = 0;
    let afterAbort = 0;
    let error = '';
    try {
      await hooks.render({
        image: { width: side, height: side, data: new Uint8Array(side * side * 4).fill(fill) },
        stack,
        backend: 'wasm',
        budget,
        signal: controller.signal,
        onProgress: () => {
          seen++;
          if (controller.signal.aborted) afterAbort++;
          if (seen === 2) controller.abort();
        },
      });
    } catch (e) {
      error = (e as Error).name;
    }
    await new Promise((r) => setTimeout(r, 300));
    const next = await hooks.render({
      image: { width: 8, height: 8, data: new Uint8Array(256) },
      stack,
      backend: 'wasm',
    });
    return { error, seen, afterAbort, nextWidth: next.width, nextTiles: next.tiles };
  }, request);
}

/** The stack on the CPU path in Node, through the same stages as the app (a network alone). */
export async function nodeReference(image: RgbaImage, stack: EffectStack): Promise<Uint8Array> {
  return nodeStages(image, stack);
}
