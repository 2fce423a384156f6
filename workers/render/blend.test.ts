/**
 * Opacity and blend modes on the CPU path (the stack's ONNX model in ORT): a blended layer equals
 * the blend, written out here, of its input and the same layer unblended, for every mode, for a
 * linear-light effect, an sRGB one and an area effect; opacity 0 is no change; normal at full
 * opacity is the plain layer; the CPU engine renders blended and masked stacks as ORT does.
 */
import * as ort from 'onnxruntime-web';
import { afterAll, describe, expect, it } from 'vitest';
import { CpuRenderer } from './cpu';
import { planEngine } from './engine/plan';
import type { RgbaImage } from './image';
import { renderStages, type StageRunners } from './pipeline';
import { BLEND_MODES } from '../../src/shared/effects/blend';
import { maxDiff } from '../../test/helpers/pixels';
import { layer, layoutStack } from '../../src/shared/effects/registry';
import type { BlendMode, StackEffect } from '../../src/shared/effects/types';

ort.env.wasm.numThreads = 1;
const cpu = new CpuRenderer(ort, () => Promise.reject(new Error('no models here')));
afterAll(() => cpu.dispose());

const LUM = [0.3, 0.59, 0.11];
const lum = (c: number[]) => c.reduce((s, v, i) => s + v * LUM[i]!, 0);
function setLum(c: number[], l: number): number[] {
  const d = l - lum(c);
  let q = c.map((v) => v + d);
  const ll = lum(q);
  const n = Math.min(...q);
  const x = Math.max(...q);
  if (n < 0) q = q.map((v) => ll + ((v - ll) * ll) / Math.max(ll - n, 1e-6));
  if (x > 1) q = q.map((v) => ll + ((v - ll) * (1 - ll)) / Math.max(x - ll, 1e-6));
  return q;
}

/** B(b, s) per the W3C compositing spec (sRGB values in [0, 1]). */
function blendOf(mode: BlendMode, b: number[], s: number[]): number[] {
  const each = (f: (b: number, s: number) => number) => b.map((v, i) => f(v, s[i]!));
  switch (mode) {
    case 'normal':
      return s;
    case 'multiply':
      return each((b, s) => b * s);
    case 'screen':
      return each((b, s) => 1 - (1 - b) * (1 - s));
    case 'overlay':
      return each((b, s) => (b < 0.5 ? 2 * b * s : 1 - 2 * (1 - b) * (1 - s)));
    case 'soft-light':
      return each((b, s) => {
        const d = b <= 0.25 ? ((16 * b - 12) * b + 4) * b : Math.sqrt(b);
        return s <= 0.5 ? b - (1 - 2 * s) * b * (1 - b) : b + (2 * s - 1) * (d - b);
      });
    case 'colour':
      return setLum(s, lum(b));
    case 'luminosity':
      return setLum(b, lum(s));
  }
}

function photo(width: number, height: number): RgbaImage {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      data.set([(x * 9) & 255, (y * 11 + x) & 255, ((x ^ y) * 5) & 255, 200 + (x % 50)], i);
    }
  }
  return { width, height, data };
}

const render = async (image: RgbaImage, layers: StackEffect[]) =>
  (await cpu.render(image, layoutStack({ effects: layers }))).data;

const LAYERS: StackEffect[] = [
  layer('exposure', { ev: 1.2 }), // linear light, channel-wise
  layer('saturation', { amount: 0.8 }), // sRGB, mixes channels
  layer('blur', { sigma: 2 }), // an area effect
];

describe('opacity and blend modes', () => {
  const image = photo(37, 23);

  it.each(LAYERS.flatMap((l) => BLEND_MODES.map((m) => [l.effectId, m.mode, l] as const)))(
    '%s in %s at 60 % equals the blend of its input and its result',
    async (_id, mode, plain) => {
      const s = await render(image, [plain]);
      const out = await render(image, [{ ...plain, blend: mode, opacity: 0.6 }]);
      let worst = 0;
      for (let i = 0; i < out.length; i += 4) {
        const b = [0, 1, 2].map((c) => image.data[i + c]! / 255);
        const e = [0, 1, 2].map((c) => s[i + c]! / 255);
        const want = blendOf(mode, b, e).map((v, c) => {
          const mixed = b[c]! + (Math.min(1, Math.max(0, v)) - b[c]!) * 0.6;
          return Math.round(255 * mixed);
        });
        for (let c = 0; c < 3; c++) worst = Math.max(worst, Math.abs(want[c]! - out[i + c]!));
        expect(out[i + 3]).toBe(image.data[i + 3]);
      }
      // The reference reads the layer's rounded 8-bit result; the graph blends its floats.
      expect(worst).toBeLessThanOrEqual(2);
    },
  );

  it('at opacity 0 changes nothing; normal at full opacity is the plain layer', async () => {
    for (const plain of LAYERS) {
      expect([...(await render(image, [{ ...plain, blend: 'multiply', opacity: 0 }]))]).toEqual([
        ...image.data,
      ]);
      const full = layoutStack({ effects: [{ ...plain, blend: 'normal', opacity: 1 }] });
      expect(full.key).toBe(layoutStack({ effects: [plain] }).key);
    }
  });

  it('the opacity is a uniform (a slider move recompiles nothing); the mode is structure', () => {
    const a = layoutStack({ effects: [{ ...LAYERS[2]!, blend: 'screen', opacity: 0.3 }] });
    const b = layoutStack({ effects: [{ ...LAYERS[2]!, blend: 'screen', opacity: 0.9 }] });
    const c = layoutStack({ effects: [{ ...LAYERS[2]!, blend: 'overlay', opacity: 0.9 }] });
    expect(a.key).toBe(b.key);
    expect(a.key).not.toBe(c.key);
    expect(Array.from(b.entries[0]!.uniforms).at(-1)).toBeCloseTo(0.9);
  });

  it('the CPU engine renders blended and masked stacks itself, as ORT does', async () => {
    const stack = {
      effects: [
        { ...LAYERS[0]!, opacity: 0.5, blend: 'soft-light' as const },
        {
          ...LAYERS[2]!,
          blend: 'colour' as const,
          mask: { kind: 'radial' as const, cx: 0.3, cy: 0.4, rx: 0.4, ry: 0.3, feather: 0.5 },
        },
      ],
    };
    expect(planEngine(layoutStack(stack))).not.toBeNull();
    const picture = photo(64, 48);
    const withEngine = new CpuRenderer(ort, undefined, { engine: true });
    try {
      const out = await withEngine.render(picture, layoutStack(stack));
      expect(withEngine.engineCrops).toBeGreaterThan(0);
      expect(withEngine.created).toBe(0);
      expect(maxDiff(out.data, await render(picture, stack.effects))).toBeLessThanOrEqual(1);
    } finally {
      withEngine.dispose();
    }
  });
});

describe('masks (local adjustments)', () => {
  const image = photo(80, 60);
  const bright = layer('exposure', { ev: 1.5 });
  const px = (data: Uint8Array, x: number, y: number) => {
    const i = (y * 80 + x) * 4;
    return [data[i]!, data[i + 1]!, data[i + 2]!];
  };

  it('a linear gradient: full strength before its start, none after its end, between in between', async () => {
    const full = await render(image, [bright]);
    const mask = { kind: 'linear' as const, x0: 0.25, y0: 0.5, x1: 0.75, y1: 0.5 };
    const out = await render(image, [{ ...bright, mask }]);
    for (const y of [0, 30, 59]) {
      for (const x of [0, 10, 19]) expect(px(out, x, y)).toEqual(px(full, x, y));
      for (const x of [61, 70, 79])
        expect(px(out, x, y)).toEqual(px(image.data as Uint8Array, x, y));
    }
    // Halfway: about half the change, on a pixel the exposure moves a lot.
    const [o, f, b] = [px(out, 40, 30), px(full, 40, 30), px(image.data as Uint8Array, 40, 30)];
    const c = [0, 1, 2].find((k) => f[k]! - b[k]! > 40)!;
    expect((o[c]! - b[c]!) / (f[c]! - b[c]!)).toBeGreaterThan(0.3);
    expect((o[c]! - b[c]!) / (f[c]! - b[c]!)).toBeLessThan(0.7);
  });

  it('a radial gradient applies inside its ellipse; inverted, outside', async () => {
    const full = await render(image, [bright]);
    const mask = { kind: 'radial' as const, cx: 0.5, cy: 0.5, rx: 0.3, ry: 0.3, feather: 0.3 };
    const inside = await render(image, [{ ...bright, mask }]);
    const outside = await render(image, [{ ...bright, mask: { ...mask, invert: true } }]);
    expect(px(inside, 40, 30)).toEqual(px(full, 40, 30));
    expect(px(inside, 0, 0)).toEqual(px(image.data as Uint8Array, 0, 0));
    expect(px(outside, 40, 30)).toEqual(px(image.data as Uint8Array, 40, 30));
    expect(px(outside, 0, 0)).toEqual(px(full, 0, 0));
  });

  it('a brush applies where it was painted and not where it was erased', async () => {
    const full = await render(image, [bright]);
    const mask = {
      kind: 'brush' as const,
      aspect: 80 / 60,
      strokes: [
        { points: [0.1, 0.5, 0.9, 0.5], size: 0.15, hardness: 1 },
        { points: [0.5, 0.2, 0.5, 0.8], size: 0.05, hardness: 1, erase: true },
      ],
    };
    const out = await render(image, [{ ...bright, mask }]);
    expect(px(out, 20, 30)).toEqual(px(full, 20, 30));
    expect(px(out, 60, 30)).toEqual(px(full, 60, 30));
    expect(px(out, 40, 30)).toEqual(px(image.data as Uint8Array, 40, 30));
    expect(px(out, 20, 5)).toEqual(px(image.data as Uint8Array, 20, 5));
    expect(px(out, 20, 55)).toEqual(px(image.data as Uint8Array, 20, 55));
  });

  it('masks follow the whole frame: tiled and region renders equal the whole render', async () => {
    const stack = {
      effects: [
        { ...bright, mask: { kind: 'linear' as const, x0: 0.1, y0: 0.1, x1: 0.9, y1: 0.7 } },
        {
          ...layer('blur', { sigma: 2 }),
          blend: 'screen' as const,
          mask: { kind: 'radial' as const, cx: 0.3, cy: 0.6, rx: 0.4, ry: 0.2, feather: 0.5 },
        },
        {
          ...layer('contrast', { amount: 0.5 }),
          mask: {
            kind: 'brush' as const,
            aspect: 80 / 60,
            strokes: [{ points: [0.2, 0.2, 0.7, 0.8], size: 0.2, hardness: 0.2 }],
          },
        },
      ],
    };
    const runners: StageRunners = {
      effects: (img, l, hooks) => cpu.render(img, l, hooks),
      scale: () => Promise.reject(new Error('no scaler')),
    };
    const whole = await renderStages({ image, stack }, new Map(), runners);
    const tiled = await renderStages({ image, stack, budget: 900 }, new Map(), runners);
    expect([...tiled.image.data]).toEqual([...whole.image.data]);
    const region = { x: 33, y: 17, width: 30, height: 25 };
    const part = await renderStages({ image, stack, region }, new Map(), runners);
    for (let y = 0; y < region.height; y++) {
      for (let x = 0; x < region.width; x++) {
        const a = ((region.y + y) * 80 + region.x + x) * 4;
        const b = (y * region.width + x) * 4;
        expect([...part.image.data.subarray(b, b + 4)]).toEqual([
          ...whole.image.data.subarray(a, a + 4),
        ]);
      }
    }
  });
});
