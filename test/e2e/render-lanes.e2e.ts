/**
 * The CPU path's lanes in real Chromium (no adapter): an image is cut into bands that nested
 * workers, each with its own CPU engine (WebAssembly), render side by side. The bands must equal the whole
 * image rendered at once (by the same ONNX model in Node), whether the image comes in shared
 * memory (read in place) or not, and a lane that dies mid-render is replaced and its tile re-run,
 * so the image still arrives.
 */
import * as ort from 'onnxruntime-web';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { layer, layoutStack } from '../../src/shared/effects/registry';
import type { EffectStack } from '../../src/shared/effects/types';
import { CpuRenderer } from '../../workers/render/cpu';
import { planTiles, type RgbaImage } from '../../workers/render/image';
import { endSession, MODES, openStudio, waitForReady, type StudioSession } from './browser';
import { maxDiff } from '../helpers/pixels';

const baseURL = inject('baseURL');
ort.env.wasm.numThreads = 1;
const reference = new CpuRenderer(ort);
afterAll(() => reference.dispose());

/** Position-dependent effects (grain, vignette) and a blur whose halo crosses the bands. */
const STACK: EffectStack = {
  effects: [
    layer('exposure', { ev: 0.3 }),
    layer('saturation', { amount: 0.4 }),
    layer('blur', { sigma: 3 }),
    layer('grain', { amount: 0.2, size: 1, seed: 4 }),
    layer('vignette', { amount: 0.6 }),
  ],
};
const WIDTH = 640;
const HEIGHT = 480;

/** The test image, built the same way in Node and in the page. */
function makeImage(width: number, height: number): Uint8Array {
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    data[i * 4] = (i * 7) % 251;
    data[i * 4 + 1] = ((i / width) * 3) % 256;
    data[i * 4 + 2] = (i % width) % 256;
    data[i * 4 + 3] = 160 + (i % 96);
  }
  return data;
}

interface LaneRun {
  data: string;
  tiles: number;
  progress: number[];
  cpu: { lanes: number; lanesStarted: number; engine: boolean } | undefined;
  cores: number;
}

async function renderInPage(
  page: Page,
  options: { crash?: boolean; shared?: boolean } = {},
): Promise<LaneRun> {
  return page.evaluate(
    async ({ width, height, stack, crash, shared, make }) => {
      type Hooks = {
        render: (o: unknown) => Promise<{
          data: Uint8Array;
          tiles: number;
          cpu?: { lanes: number; lanesStarted: number; engine: boolean };
        }>;
        simulateLaneCrash: () => Promise<void>;
      };
      const hooks = (globalThis as unknown as { __atelier: Hooks }).__atelier;
      let data = (0, eval)(`(${make})`)(width, height) as Uint8Array;
      if (shared) {
        // As the Render room holds its preview source: in shared memory.
        const copy = new Uint8Array(new SharedArrayBuffer(data.length));
        copy.set(data);
        data = copy;
      }
      if (crash) await hooks.simulateLaneCrash();
      const progress: number[] = [];
      const out = await hooks.render({
        image: { width, height, data },
        stack,
        backend: 'wasm',
        onProgress: (p: { done: number }) => progress.push(p.done),
      });
      let binary = '';
      for (let i = 0; i < out.data.length; i += 0x8000) {
        binary += String.fromCharCode(...out.data.subarray(i, i + 0x8000));
      }
      // The result is plain memory (ImageData and canvases refuse shared buffers).
      new ImageData(
        new Uint8ClampedArray(out.data.buffer as ArrayBuffer, out.data.byteOffset, out.data.length),
        width,
      );
      return {
        data: btoa(binary),
        tiles: out.tiles,
        progress,
        cpu: out.cpu,
        cores: navigator.hardwareConcurrency,
      };
    },
    {
      width: WIDTH,
      height: HEIGHT,
      stack: STACK,
      crash: !!options.crash,
      shared: !!options.shared,
      make: makeImage.toString(),
    },
  );
}

describe('CPU render lanes (Chromium, no adapter)', () => {
  let session: StudioSession | undefined;
  afterEach(async () => {
    const ending = session;
    session = undefined;
    await endSession(ending);
  });

  it('renders bands side by side in nested workers, equal to the whole image; shared input; survives a lane crash', async () => {
    session = await openStudio({ baseURL, mode: MODES.find((m) => m.name === 'wasm')! });
    await waitForReady(session.page);
    await session.page.waitForFunction(() => '__atelier' in globalThis);
    // Every render here goes side by side (the room measures whether that pays: lane-choice).
    await session.page.evaluate(() =>
      (
        globalThis as unknown as {
          __atelier: {
            renderClient: {
              call: (f: (api: { configure: (o: unknown) => void }) => unknown) => Promise<unknown>;
            };
          };
        }
      ).__atelier.renderClient.call((api) => api.configure({ sideBySide: 'always' })),
    );
    const image: RgbaImage = { width: WIDTH, height: HEIGHT, data: makeImage(WIDTH, HEIGHT) };
    const want = (await reference.render(image, layoutStack(STACK))).data;

    const first = await renderInPage(session.page);
    const lanes = Math.min(4, first.cores);
    expect(first.cpu?.lanes).toBe(lanes);
    // Classic effects only: the CPU engine (WebAssembly) renders them, not ORT.
    expect(first.cpu?.engine).toBe(true);
    // Full-width bands, one or two a lane (two on two cores: 4 bands of 120 rows).
    const bands = planTiles(WIDTH, HEIGHT, layoutStack(STACK).reach, 1 << 20, lanes).length;
    if (lanes === 2) expect(bands).toBe(4);
    expect(first.tiles).toBe(bands);
    expect(first.progress).toEqual(Array.from({ length: bands }, (_, i) => i + 1));
    expect(maxDiff(Buffer.from(first.data, 'base64'), want)).toBeLessThanOrEqual(1);

    // The same image from shared memory: the lanes read their bands in place.
    const shared = await renderInPage(session.page, { shared: true });
    expect(shared.tiles).toBe(bands);
    expect(maxDiff(Buffer.from(shared.data, 'base64'), want)).toBeLessThanOrEqual(1);

    if (lanes < 2) return; // one core: ORT runs in the render worker itself, no lanes to lose
    const crashed = await renderInPage(session.page, { crash: true, shared: true });
    // The lane that died was replaced (one more lane started) and its band re-rendered.
    expect(crashed.cpu!.lanesStarted).toBe(shared.cpu!.lanesStarted + 1);
    expect(crashed.tiles).toBe(bands);
    expect(maxDiff(Buffer.from(crashed.data, 'base64'), want)).toBeLessThanOrEqual(1);
  });
});
