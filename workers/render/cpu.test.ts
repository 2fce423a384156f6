/**
 * The CPU path in Node: stacks compiled to one ONNX model, run by onnxruntime-web's WASM backend.
 * Closed-form checks (exposure, identities, grain hash), fusion and tiling invariants.
 */
import * as ort from 'onnxruntime-web';
import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLASSIC_EFFECTS } from '../../src/shared/effects/defs';
import { layer, layoutStack, neuralEffect } from '../../src/shared/effects/registry';
import type { EffectStack, StackEffect } from '../../src/shared/effects/types';
import { CpuRenderer } from './cpu';
import { LocalRunner, type SessionRunner } from './session-runner';
import type { RgbaImage } from './image';
import { maxDiff } from '../../test/helpers/pixels';

ort.env.wasm.numThreads = 1;

/** A deterministic test image: gradients, a hard edge and noise, alpha varying. */
function testImage(width: number, height: number): RgbaImage {
  const data = new Uint8Array(width * height * 4);
  let s = 12345;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      const i = (y * width + x) * 4;
      data[i] = Math.round((255 * x) / (width - 1));
      data[i + 1] = x > width / 2 ? 220 : 30;
      data[i + 2] = (s >>> 16) & 255;
      data[i + 3] = 128 + ((x + y) % 128);
    }
  }
  return { width, height, data };
}

const toLinear = (v: number) => {
  const x = v / 255;
  return x <= 0.04045 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
};

const renderer = new CpuRenderer(ort);
const stackOf = (...effects: StackEffect[]): EffectStack => ({ effects });
const run = async (image: RgbaImage, stack: EffectStack, budget?: number) =>
  renderer.render(image, layoutStack(stack), budget ? { budget } : {});

afterAll(() => renderer.dispose());

/** A runner in this thread that says it has `lanes` lanes; `onEngine` counts its engine crops. */
function lanesOf(lanes: number, onEngine: () => void = () => undefined): SessionRunner {
  const local = new LocalRunner(ort);
  return {
    lanes,
    prepare: (key, model) => local.prepare(key, model),
    run: (key, model, feeds) => local.run(key, model, feeds),
    engine: (job) => {
      onEngine();
      return local.engine(job);
    },
    dispose: () => local.dispose(),
  };
}

describe('CPU render path (one ONNX model per stack)', () => {
  const image = testImage(37, 29);

  it('an empty stack returns the image unchanged', async () => {
    const { data } = await run(image, stackOf());
    expect(maxDiff(data, image.data as Uint8Array)).toBe(0);
  });

  it.each(CLASSIC_EFFECTS.map((e) => e.id))(
    '%s at its defaults (zero strength) is the identity',
    async (id) => {
      const { data } = await run(image, stackOf(layer(id)));
      expect(maxDiff(data, image.data as Uint8Array)).toBe(0);
    },
  );

  it('exposure +1 EV doubles linear light', async () => {
    const { data } = await run(image, stackOf(layer('exposure', { ev: 1 })));
    let checked = 0;
    for (let i = 0; i < data.length; i++) {
      if (i % 4 === 3) {
        expect(data[i]).toBe(image.data[i]); // alpha untouched
        continue;
      }
      const before = toLinear(image.data[i]!);
      if (2 * before >= 1) {
        expect(data[i]).toBe(255);
        continue;
      }
      // Within one 8-bit step of the doubled value.
      const expected = 2 * before;
      const lo = toLinear(Math.max(0, data[i]! - 1));
      const hi = toLinear(Math.min(255, data[i]! + 1));
      expect(expected).toBeGreaterThanOrEqual(lo);
      expect(expected).toBeLessThanOrEqual(hi);
      checked++;
    }
    expect(checked).toBeGreaterThan(1000);
  });

  it('−1 EV then +1 EV round-trips within one step', async () => {
    const { data } = await run(
      image,
      stackOf(layer('exposure', { ev: -1 }, 'a'), layer('exposure', { ev: 1 }, 'b')),
    );
    expect(maxDiff(data, image.data as Uint8Array)).toBeLessThanOrEqual(1);
  });

  it.each([
    { amount: 1, radius: 0.2, feather: 0.05 },
    { amount: -1, radius: 0, feather: 0.3 },
    { amount: 0.6, radius: 0.5, feather: 1 },
  ])('vignette %o equals its formula in float64 (within one 8-bit step)', async (params) => {
    const img = testImage(64, 48);
    const { data } = await run(img, stackOf(layer('vignette', params)));
    const toSrgb = (l: number) => (l <= 0.0031308 ? l * 12.92 : 1.055 * l ** (1 / 2.4) - 0.055);
    let worst = 0;
    let changed = 0;
    for (let y = 0; y < 48; y++) {
      for (let x = 0; x < 64; x++) {
        const ux = ((x + 0.5) / 64) * 2 - 1;
        const uy = ((y + 0.5) / 48) * 2 - 1;
        const d = Math.sqrt(ux * ux + uy * uy) * Math.SQRT1_2;
        const t = Math.min(1, Math.max(0, (d - params.radius) / params.feather));
        const gain = 1 - params.amount * t * t * (3 - 2 * t);
        for (let c = 0; c < 3; c++) {
          const i = (y * 64 + x) * 4 + c;
          const want = Math.round(255 * toSrgb(Math.min(1, toLinear(img.data[i]!) * gain)));
          worst = Math.max(worst, Math.abs(data[i]! - want));
          if (data[i] !== img.data[i]) changed++;
        }
      }
    }
    expect(worst).toBeLessThanOrEqual(1);
    expect(changed).toBeGreaterThan(500);
  });

  it('film grain matches a 32-bit integer hash computed in JavaScript', async () => {
    const plain = testImage(16, 9).data.fill(128);
    const img = { width: 16, height: 9, data: plain };
    const { data } = await run(img, stackOf(layer('grain', { amount: 0.5, size: 2, seed: 77 })));
    for (let y = 0; y < 9; y++) {
      for (let x = 0; x < 16; x++) {
        const cx = x >>> 1;
        const cy = y >>> 1;
        let h =
          (Math.imul(cx, 374761393) + Math.imul(cy, 668265263) + Math.imul(77, 1274126177)) >>> 0;
        h = (h ^ (h >>> 15)) >>> 0;
        h = Math.imul(h, 739982445) >>> 0;
        h = (h ^ (h >>> 12)) >>> 0;
        h = Math.imul(h, 695872825) >>> 0;
        h = (h ^ (h >>> 15)) >>> 0;
        const n = (h >>> 8) / 16777216 - 0.5;
        const want = Math.round(Math.min(1, Math.max(0, 128 / 255 + 0.5 * n)) * 255);
        expect(Math.abs(data[(y * 16 + x) * 4]! - want)).toBeLessThanOrEqual(1);
      }
    }
    // Different seeds give different grain.
    const other = await run(img, stackOf(layer('grain', { amount: 0.5, size: 2, seed: 78 })));
    expect(maxDiff(other.data, data)).toBeGreaterThan(10);
  });

  it('a fused stack equals the effects applied one by one (within 8-bit rounding)', async () => {
    const effects = [
      layer('exposure', { ev: 0.4 }),
      layer('contrast', { amount: 0.3 }),
      layer('saturation', { amount: -0.4 }),
      layer('blur', { sigma: 1.5 }),
      layer('vignette', { amount: 0.6 }),
    ];
    const fused = await run(image, stackOf(...effects));
    let step: RgbaImage = image;
    for (const e of effects) {
      const { data } = await run(step, stackOf(e));
      step = { width: image.width, height: image.height, data };
    }
    expect(maxDiff(fused.data, step.data as Uint8Array)).toBeLessThanOrEqual(2);
    expect(maxDiff(fused.data, image.data as Uint8Array)).toBeGreaterThan(20);
  });

  it('a leading run of channel-wise effects, applied by table, equals the per-pixel graph', async () => {
    const effects = [
      layer('exposure', { ev: 0.7 }),
      layer('temperature', { temperature: 0.4, tint: -0.2 }),
      layer('curve', { points: [0, 0.1, 0.4, 0.6, 1, 0.9] }),
      layer('contrast', { amount: 0.3 }),
      layer('posterize', { levels: 40 }),
      layer('vignette', { amount: 0.5 }),
    ];
    const table = await run(image, stackOf(...effects));
    // An identity colour matrix first: not channel-wise, so every effect runs per pixel.
    const perPixel = await run(image, stackOf(layer('matrix'), ...effects));
    expect(maxDiff(table.data, perPixel.data)).toBeLessThanOrEqual(1);
    expect(maxDiff(table.data, image.data as Uint8Array)).toBeGreaterThan(20);
  });

  it('tiled equals untiled, with reach-wide halos', async () => {
    const big = testImage(150, 110);
    const stack = stackOf(
      layer('blur', { sigma: 2 }),
      layer('sharpen', { amount: 1, sigma: 1 }),
      layer('pixelate', { size: 7 }),
      layer('vignette', { amount: 0.5 }),
      layer('grain', { amount: 0.2, seed: 3 }),
      layer('ink', { strength: 0.5 }),
    );
    const whole = await run(big, stack);
    const tiled = await run(big, stack, 90 * 90);
    expect(whole.tiles).toBe(1);
    expect(tiled.tiles).toBeGreaterThan(3);
    expect(maxDiff(tiled.data, whole.data)).toBeLessThanOrEqual(1);
  });

  it('a parameter change re-runs the cached session; a new structure compiles a new one', async () => {
    const before = renderer.created;
    const a = await run(
      image,
      stackOf(layer('contrast', { amount: 0.11 }), layer('blur', { sigma: 1 })),
    );
    const b = await run(
      image,
      stackOf(layer('contrast', { amount: 0.5 }), layer('blur', { sigma: 0.9 })),
    );
    expect(renderer.created - before).toBeLessThanOrEqual(1);
    expect(maxDiff(a.data, b.data)).toBeGreaterThan(10);
    const mid = renderer.created;
    await run(image, stackOf(layer('contrast', { amount: 0.5 }), layer('blur', { sigma: 5 })));
    expect(renderer.created).toBe(mid + 1);
  });

  it('renders a stack with a network side by side on the lanes, leaving the lane choice to classic stacks', async () => {
    const bytes = new Uint8Array(
      readFileSync(join(import.meta.dirname, '../../test/fixtures/render/fixture-net.onnx')),
    );
    // Two "lanes" in this thread: what matters is how the renderer cuts and counts renders.
    const withLanes = new CpuRenderer(lanesOf(2), async () => bytes);
    const neural = new Map([['neural:fixture', neuralEffect('fixture', 'Fixture', 2)]]);
    const img = testImage(400, 400);
    const net = layoutStack(stackOf(layer('neural:fixture')), { neural });
    for (let i = 0; i < 5; i++) {
      const out = await withLanes.render(img, net);
      expect(out.tiles).toBeGreaterThan(1); // bands, every time
    }
    expect(withLanes.lanesChoice(net).costs).toEqual({ sideBySide: null, oneLane: null });
    const classic = layoutStack(stackOf(layer('contrast', { amount: 0.2 })));
    for (let i = 0; i < 5; i++) await withLanes.render(img, classic);
    expect(withLanes.lanesChoice(classic).costs.sideBySide).not.toBeNull();
    // each structure keeps its own figures
    expect(withLanes.lanesChoice(net).costs).toEqual({ sideBySide: null, oneLane: null });
    await withLanes.dispose();
  });

  it("renders the engine's single crops on this thread's runner, bands on the lanes", async () => {
    const calls = { lanes: 0, local: 0 };
    const r = new CpuRenderer(
      lanesOf(2, () => calls.lanes++),
      undefined,
      { engine: true, alwaysSideBySide: true, local: lanesOf(1, () => calls.local++) },
    );
    const stack = layoutStack(stackOf(layer('contrast', { amount: 0.2 })));
    const small = await r.render(testImage(64, 48), stack);
    expect([small.tiles, calls.local, calls.lanes]).toEqual([1, 1, 0]);
    const big = await r.render(testImage(400, 400), stack);
    expect(big.tiles).toBeGreaterThan(1);
    expect(calls.lanes).toBe(big.tiles);
    expect(calls.local).toBe(1);
    await r.dispose();
  });

  it('writes the result into the buffer it is handed, whole or in bands, and new memory when it does not fit', async () => {
    const r = new CpuRenderer(lanesOf(2), undefined, { engine: true, alwaysSideBySide: true });
    const stack = layoutStack(stackOf(layer('exposure', { ev: 0.5 }), layer('blur', { sigma: 2 })));
    for (const img of [testImage(64, 48), testImage(400, 400)]) {
      const expected = await r.render(img, stack);
      // Several renders in a row: the bands' spare buffers are written into again each time.
      for (let i = 0; i < 3; i++) {
        const into = new Uint8Array(img.data.length).fill(7);
        const out = await r.render(img, stack, { into });
        expect(out.data).toBe(into);
        expect(maxDiff(out.data, expected.data)).toBe(0);
      }
      const small = new Uint8Array(16);
      const out = await r.render(img, stack, { into: small });
      expect(out.data).not.toBe(small);
      expect(maxDiff(out.data, expected.data)).toBe(0);
      expect([...small]).toEqual(Array<number>(16).fill(0));
    }
    await r.dispose();
  });

  it('reads tiles of shared pixels in place (rows a stride apart), as from copies', async () => {
    const r = new CpuRenderer(lanesOf(2), undefined, { engine: true, alwaysSideBySide: true });
    const stack = layoutStack(
      stackOf(layer('contrast', { amount: 0.3 }), layer('blur', { sigma: 2 })),
    );
    const plain = testImage(400, 400);
    const shared = new Uint8Array(new SharedArrayBuffer(plain.data.length));
    shared.set(plain.data);
    for (const budget of [90 * 90, 1 << 20]) {
      const fromCopies = await r.render(plain, stack, { budget });
      const inPlace = await r.render({ ...plain, data: shared }, stack, { budget });
      expect(inPlace.tiles).toBeGreaterThan(1);
      expect(maxDiff(inPlace.data, fromCopies.data)).toBe(0);
    }
    await r.dispose();
  });

  it('inlines a neural image-to-image model into the stack (fixture net)', async () => {
    const bytes = new Uint8Array(
      readFileSync(join(import.meta.dirname, '../../test/fixtures/render/fixture-net.onnx')),
    );
    const withNet = new CpuRenderer(ort, async (id) => {
      expect(id).toBe('fixture');
      return bytes;
    });
    const neural = new Map([['neural:fixture', neuralEffect('fixture', 'Fixture', 2)]]);
    const img = testImage(20, 14);
    const full = await withNet.render(
      img,
      layoutStack(stackOf(layer('neural:fixture', { strength: 1 })), { neural }),
    );
    // Reference: the network on its own, then clamp and quantise.
    const planar = new Float32Array(3 * 20 * 14);
    for (let i = 0; i < 20 * 14; i++) {
      for (let c = 0; c < 3; c++) planar[c * 280 + i] = img.data[i * 4 + c]! / 255;
    }
    const session = await ort.InferenceSession.create(bytes);
    const ref = (await session.run({ image: new ort.Tensor('float32', planar, [1, 3, 14, 20]) }))
      .output!.data as Float32Array;
    let worst = 0;
    for (let i = 0; i < 280; i++) {
      for (let c = 0; c < 3; c++) {
        const want = Math.round(Math.min(1, Math.max(0, ref[c * 280 + i]!)) * 255);
        worst = Math.max(worst, Math.abs(full.data[i * 4 + c]! - want));
      }
    }
    expect(worst).toBeLessThanOrEqual(1);
    expect(maxDiff(full.data, img.data as Uint8Array)).toBeGreaterThan(5);
    // Strength 0 is the identity; tiles with the model's halo match the whole image.
    const zero = await withNet.render(
      img,
      layoutStack(stackOf(layer('neural:fixture', { strength: 0 })), { neural }),
    );
    expect(maxDiff(zero.data, img.data as Uint8Array)).toBe(0);
    const big = testImage(120, 90);
    const layout = layoutStack(stackOf(layer('neural:fixture'), layer('blur', { sigma: 1 })), {
      neural,
    });
    const whole = await withNet.render(big, layout);
    const tiled = await withNet.render(big, layout, { budget: 70 * 70 });
    expect(tiled.tiles).toBeGreaterThan(2);
    expect(maxDiff(tiled.data, whole.data)).toBeLessThanOrEqual(1);
    await session.release();
    await withNet.dispose();
  });

  it('rejects unknown effects and malformed params with codes', async () => {
    await expect(run(image, stackOf(layer('nope')))).rejects.toMatchObject({
      code: 'unknown-effect',
      message: 'There is no effect called “nope”.',
    });
    await expect(run(image, stackOf(layer('matrix', { matrix: [1, 2] })))).rejects.toMatchObject({
      code: 'invalid-param',
      message: 'Colour matrix: “3×4 matrix (rows: r g b offset)” needs 12 numbers.',
    });
  });
});
