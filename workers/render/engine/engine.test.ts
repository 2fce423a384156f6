/**
 * The CPU engine (WebAssembly, wasm/cpu-engine) against the Node reference renderer (the same
 * stacks as ONNX models run by ORT): every classic effect and mixed stacks within 1/255, the
 * plan's fallbacks (networks, unknown effects), and crops with their halo equal to the whole.
 */
import * as ort from 'onnxruntime-web';
import { afterAll, describe, expect, it } from 'vitest';
import { CLASSIC_EFFECTS as ALL_CLASSIC } from '../../../src/shared/effects/defs';
import { layer, layoutStack, neuralEffect } from '../../../src/shared/effects/registry';
import { BLEND_MODES } from '../../../src/shared/effects/blend';
import type { EffectStack, LayerMask, StackEffect } from '../../../src/shared/effects/types';
import { ACTIVE } from '../../../test/e2e/render-helpers';
import { maxDiff } from '../../../test/helpers/pixels';
import { CpuRenderer } from '../cpu';
import { cropImage, planTiles, pasteTile, type RgbaImage } from '../image';
import { CpuEngine } from './engine';
import { ENGINE_EFFECTS, planEngine } from './plan';

/** The classic effects the engine implements (the others run their ONNX models on the CPU path). */
const CLASSIC_EFFECTS = ALL_CLASSIC.filter((e) => ENGINE_EFFECTS.has(e.id));

ort.env.wasm.numThreads = 1;
const reference = new CpuRenderer(ort);
afterAll(() => reference.dispose());
const engine = new CpuEngine();

/** Gradients, a hard edge, noise in blue, alpha varying. */
function testImage(width: number, height: number): RgbaImage {
  const data = new Uint8Array(width * height * 4);
  let s = 4242;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      const i = (y * width + x) * 4;
      data[i] = Math.round((255 * x) / (width - 1));
      data[i + 1] = x > width / 2 ? 230 : 20;
      data[i + 2] = (s >>> 16) & 255;
      data[i + 3] = 100 + ((x * 3 + y) % 150);
    }
  }
  return { width, height, data };
}

const stacks: [string, EffectStack][] = [
  [
    'the five-effect stack',
    {
      effects: [
        layer('exposure', { ev: 0.3 }),
        layer('contrast', { amount: 0.2 }),
        layer('saturation', { amount: 0.3 }),
        layer('blur', { sigma: 3 }),
        layer('vignette', { amount: 0.5 }),
      ],
    },
  ],
  [
    'every effect in menu order',
    { effects: CLASSIC_EFFECTS.map((e) => layer(e.id, ACTIVE[e.id])) },
  ],
  [
    'area effects back to back, linear ones in between',
    {
      effects: [
        layer('pixelate', { size: 3 }),
        layer('temperature', { temperature: -0.4, tint: 0.2 }),
        layer('exposure', { ev: -0.5 }),
        layer('ink', { strength: 0.5, sensitivity: 2 }),
        layer('bloom', { amount: 0.6, threshold: 0.3, sigma: 4 }),
        layer('sharpen', { amount: 0.7, sigma: 2 }),
        layer('blur', { sigma: 0.8 }),
        layer('curve', { points: [0, 0.1, 0.5, 0.4, 1, 0.9] }),
      ],
    },
  ],
];

/** The whole image through the engine in one crop. */
function whole(image: RgbaImage, stack: EffectStack): Uint8Array {
  const plan = planEngine(layoutStack(stack))!;
  const crop = { x: 0, y: 0, w: image.width, h: image.height };
  return engine.render({ plan, pixels: image.data as Uint8Array, crop, full: image });
}

/** The image through the engine in tiles of 40×40 (with their halo), pasted together. */
function tiled(image: RgbaImage, stack: EffectStack): Uint8Array {
  const layout = layoutStack(stack);
  const plan = planEngine(layout)!;
  const tiles = planTiles(image.width, image.height, layout.reach, 40 * 40, 2);
  expect(tiles.length).toBeGreaterThan(2);
  const out = new Uint8Array(image.data.length);
  for (const tile of tiles) {
    const pixels = cropImage(image, tile.crop);
    pasteTile(
      out,
      image.width,
      tile,
      engine.render({ plan, pixels, crop: tile.crop, full: image }),
    );
  }
  return out;
}

async function node(image: RgbaImage, stack: EffectStack): Promise<Uint8Array> {
  return (await reference.render(image, layoutStack(stack))).data;
}

describe('CPU engine (WebAssembly) vs the Node reference renderer', () => {
  const image = testImage(41, 27);

  it.each(CLASSIC_EFFECTS.map((e) => e.id))('%s within 1/255 and not the identity', async (id) => {
    const stack = { effects: [layer(id, ACTIVE[id])] };
    const out = whole(image, stack);
    expect(maxDiff(out, await node(image, stack))).toBeLessThanOrEqual(1);
    expect(maxDiff(out, image.data as Uint8Array)).toBeGreaterThan(0);
  });

  it.each(CLASSIC_EFFECTS.map((e) => e.id))('%s at its defaults is the identity', (id) => {
    expect(maxDiff(whole(image, { effects: [layer(id)] }), image.data as Uint8Array)).toBe(0);
  });

  it('keeps alpha byte for byte', () => {
    const stack = { effects: CLASSIC_EFFECTS.map((e) => layer(e.id, ACTIVE[e.id])) };
    const out = whole(image, stack);
    for (let i = 3; i < out.length; i += 4) expect(out[i]).toBe(image.data[i]);
  });

  it.each(stacks)('%s within 1/255', async (_name, stack) => {
    expect(maxDiff(whole(image, stack), await node(image, stack))).toBeLessThanOrEqual(1);
  });

  it('a wide blur (σ 30) within 1/255', async () => {
    const big = testImage(200, 150);
    const stack = { effects: [layer('blur', { sigma: 30 }), layer('contrast', { amount: 0.5 })] };
    expect(maxDiff(whole(big, stack), await node(big, stack))).toBeLessThanOrEqual(1);
  });

  it('reads a crop in place from the rows of a larger image (stride), as from its copy', () => {
    const big = testImage(97, 83);
    const stack = stacks[0]![1];
    const plan = planEngine(layoutStack(stack))!;
    const crop = { x: 13, y: 7, w: 40, h: 30 };
    const view = (big.data as Uint8Array).subarray((crop.y * big.width + crop.x) * 4);
    const copy = cropImage(big, crop);
    const inPlace = engine.render({ plan, pixels: view, crop, full: big, stride: big.width });
    expect(maxDiff(inPlace, engine.render({ plan, pixels: copy, crop, full: big }))).toBe(0);
    // Without the stride the same view reads the wrong rows.
    expect(
      maxDiff(engine.render({ plan, pixels: view, crop, full: big }), inPlace),
    ).toBeGreaterThan(0);
  });

  it('tiles (crops with their halo, pasted) equal the whole image', () => {
    const big = testImage(97, 83);
    const stack = stacks[2]![1];
    expect(maxDiff(tiled(big, stack), whole(big, stack))).toBe(0);
  });

  const linear: LayerMask = { kind: 'linear', x0: 0.2, y0: 0.1, x1: 0.8, y1: 0.7 };
  const radial: LayerMask = { kind: 'radial', cx: 0.4, cy: 0.6, rx: 0.3, ry: 0.5, feather: 0.4 };
  const blended = (l: StackEffect, more: Partial<StackEffect>): StackEffect => ({ ...l, ...more });
  // Two painted strokes (a soft line, a hard dab) and an eraser through the line.
  const brush: LayerMask = {
    kind: 'brush',
    aspect: 1.5,
    strokes: [
      { points: [0.1, 0.3, 0.5, 0.5, 0.8, 0.4], size: 0.2, hardness: 0.3 },
      { points: [0.3, 0.8], size: 0.12, hardness: 1 },
      { points: [0.45, 0.1, 0.45, 0.9], size: 0.05, hardness: 0.5, erase: true },
    ],
  };

  it.each(BLEND_MODES.map((m) => m.mode))(
    '%s blend at opacity 0.6, on a point and an area effect, within 1/255',
    async (mode) => {
      const stack = {
        effects: [
          blended(layer('temperature', { temperature: 0.5, tint: -0.3 }), {
            blend: mode,
            opacity: 0.6,
          }),
          layer('contrast', { amount: 0.3 }),
          blended(layer('bloom', { amount: 0.8, threshold: 0.2, sigma: 2 }), { blend: mode }),
          blended(layer('curve', { points: [0, 0.2, 0.5, 0.7, 1, 0.8] }), {
            blend: mode,
            opacity: 0.8,
          }),
        ],
      };
      expect(planEngine(layoutStack(stack))).not.toBeNull();
      const out = whole(image, stack);
      expect(maxDiff(out, await node(image, stack))).toBeLessThanOrEqual(1);
      expect(
        maxDiff(
          out,
          whole(image, {
            effects: stack.effects.map((e) => ({ ...e, blend: 'normal', opacity: 1 })),
          }),
        ),
      ).toBeGreaterThan(mode === 'normal' ? 0 : 1);
    },
  );

  it.each([
    ['a linear gradient', linear],
    ['a radial gradient', radial],
    ['an inverted radial gradient', { ...radial, invert: true }],
    ['brush strokes', brush],
  ] as const)('masks by %s on point and area effects within 1/255', async (_name, mask) => {
    const stack = {
      effects: [
        blended(layer('exposure', { ev: 1 }), { mask }),
        blended(layer('sharpen', { amount: 1, sigma: 2 }), {
          mask,
          blend: 'overlay',
          opacity: 0.7,
        }),
        blended(layer('saturation', { amount: -1 }), { mask: { ...mask, invert: !mask.invert } }),
        layer('vignette', { amount: 0.4 }),
      ],
    };
    const big = testImage(90, 60);
    const out = whole(big, stack);
    expect(maxDiff(out, await node(big, stack))).toBeLessThanOrEqual(1);
    // The mask holds a layer back somewhere and lets it through somewhere else.
    const one = (m?: LayerMask) =>
      whole(big, { effects: [blended(layer('exposure', { ev: 1 }), { mask: m })] });
    const masked = one(mask);
    const full = one();
    let held = 0;
    let through = 0;
    for (let i = 0; i < masked.length; i += 4) {
      if (masked[i] === big.data[i] && full[i] !== big.data[i]) held++;
      if (masked[i] === full[i] && full[i] !== big.data[i]) through++;
    }
    expect(held).toBeGreaterThan(big.width * 4);
    expect(through).toBeGreaterThan(big.width * 4);
  });

  it('the colour mixer with every range moved, masked, over a hue wheel, within 1/255', async () => {
    const wheel = testImage(120, 80);
    for (let i = 0; i < wheel.data.length; i += 4) {
      const p = i / 4;
      const hue = ((p % 120) / 120) * 2 * Math.PI;
      const v = 0.3 + 0.7 * (Math.floor(p / 120) / 79);
      wheel.data[i] = Math.round(255 * v * (0.5 + 0.5 * Math.cos(hue)));
      wheel.data[i + 1] = Math.round(255 * v * (0.5 + 0.5 * Math.cos(hue - 2.1)));
      wheel.data[i + 2] = Math.round(255 * v * (0.5 + 0.5 * Math.cos(hue + 2.1)));
    }
    const params: Record<string, number> = {};
    ['reds', 'oranges', 'yellows', 'greens', 'aquas', 'blues', 'purples', 'magentas'].forEach(
      (r, i) => {
        params[`${r}Hue`] = ((i * 37) % 21) / 10 - 1;
        params[`${r}Sat`] = ((i * 53) % 19) / 9 - 1;
        params[`${r}Light`] = ((i * 71) % 17) / 8 - 1;
      },
    );
    const stack = {
      effects: [
        layer('hsl', params),
        blended(layer('hsl', ACTIVE.hsl), { mask: radial, blend: 'multiply', opacity: 0.7 }),
      ],
    };
    const out = whole(wheel, stack);
    expect(maxDiff(out, await node(wheel, stack))).toBeLessThanOrEqual(1);
    expect(maxDiff(out, wheel.data as Uint8Array)).toBeGreaterThan(20);
  });

  it('masked and blended tiles (crops with their halo, pasted) equal the whole image', () => {
    const big = testImage(97, 83);
    const stack = {
      effects: [
        blended(layer('exposure', { ev: 1 }), { mask: radial, blend: 'screen', opacity: 0.8 }),
        blended(layer('blur', { sigma: 3 }), { mask: linear, blend: 'luminosity' }),
        blended(layer('grain', ACTIVE.grain), { mask: { ...linear, invert: true } }),
        blended(layer('contrast', { amount: 0.6 }), { mask: brush, blend: 'overlay' }),
        blended(layer('sharpen', { amount: 1, sigma: 2 }), { mask: brush }),
      ],
    };
    expect(maxDiff(tiled(big, stack), whole(big, stack))).toBe(0);
  });

  it('has no plan for a stack with a network or an effect it does not know', () => {
    const net = neuralEffect('fixture', 'Fixture');
    const withNet = layoutStack(
      { effects: [layer('contrast'), layer('neural:fixture')] },
      { neural: new Map([[net.id, net]]) },
    );
    expect(planEngine(withNet)).toBeNull();
    // An effect the engine does not know (as a newer one would be).
    const unknown = layoutStack({ effects: [layer('contrast'), layer('hsl', ACTIVE.hsl)] });
    unknown.entries[1] = {
      ...unknown.entries[1]!,
      def: { ...unknown.entries[1]!.def, id: 'newer' },
    };
    expect(planEngine(unknown)).toBeNull();
    expect(planEngine(layoutStack({ effects: [layer('blur', { sigma: 2 })] }))).not.toBeNull();
  });
});

describe('CpuRenderer with the engine on', () => {
  const image = testImage(64, 48);
  const withEngine = new CpuRenderer(ort, undefined, { engine: true });
  afterAll(() => withEngine.dispose());

  it('renders classic stacks on the engine (tiled like ORT) and the rest on ORT', async () => {
    const stack = stacks[2]![1];
    const layout = layoutStack(stack);
    const tiled = await withEngine.render(image, layout, { budget: 24 * 24 });
    expect(tiled.tiles).toBeGreaterThan(1);
    expect(withEngine.engineCrops).toBe(tiled.tiles);
    expect(withEngine.created).toBe(0);
    expect(maxDiff(tiled.data, await node(image, stack))).toBeLessThanOrEqual(1);
    expect(maxDiff(tiled.data, whole(image, stack))).toBe(0);
    // An effect the engine does not know (as a newer effect would be): the ONNX model renders it.
    const other = layoutStack({ effects: [layer('contrast', { amount: 0.3 })] });
    other.entries[0] = { ...other.entries[0]!, def: { ...other.entries[0]!.def, id: 'newer' } };
    const crops = withEngine.engineCrops;
    const out = await withEngine.render(image, other);
    expect(withEngine.engineCrops).toBe(crops);
    expect(withEngine.created).toBe(1);
    expect(maxDiff(out.data, image.data as Uint8Array)).toBeGreaterThan(0);
  });
});
