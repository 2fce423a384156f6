/**
 * The colour mixer (HSL per colour range) on the CPU path (its ONNX model in ORT) against the
 * formula written out here in double precision, and what an artist expects of it: zero moves
 * nothing, greys stay grey, a range moves its own colours and not the opposite ones, and moving
 * every range alike turns every colour alike.
 */
import * as ort from 'onnxruntime-web';
import { afterAll, describe, expect, it } from 'vitest';
import { CpuRenderer } from './cpu';
import type { RgbaImage } from './image';
import { HSL_RANGES } from '../../src/shared/effects/hsl';
import { layer, layoutStack } from '../../src/shared/effects/registry';

ort.env.wasm.numThreads = 1;
const cpu = new CpuRenderer(ort, () => Promise.reject(new Error('no models here')));
afterAll(() => cpu.dispose());

type Params = Record<string, number>;

/** The mixer's formula for one sRGB colour in [0, 1] (see ./hsl). */
function reference([r, g, b]: number[], p: Params): number[] {
  const m = (r! + g! + b!) / 3;
  const a = r! - (g! + b!) / 2;
  const bb = (Math.sqrt(3) / 2) * (g! - b!);
  const c = Math.sqrt(a * a + bb * bb + 1e-12);
  let ws = 0;
  let dh = 0;
  let ds = 0;
  let dl = 0;
  for (const range of HSL_RANGES) {
    const rad = Math.PI / 180;
    const edge = Math.cos(range.width * rad);
    const cos = (a * Math.cos(range.hue * rad) + bb * Math.sin(range.hue * rad)) / c;
    const t = Math.min(1, Math.max(0, (cos - edge) / (1 - edge)));
    const w = t * t;
    ws += w;
    dh += w * (p[`${range.key}Hue`] ?? 0);
    ds += w * (p[`${range.key}Sat`] ?? 0);
    dl += w * (p[`${range.key}Light`] ?? 0);
  }
  const inv = 1 / (ws + 1e-6);
  const phi = dh * inv * ((30 * Math.PI) / 180);
  const s = 1 + ds * inv;
  const gate = Math.min(1, Math.max(0, c * 5));
  const light = 2 ** (0.75 * dl * inv * gate);
  const a2 = (a * Math.cos(phi) - bb * Math.sin(phi)) * s;
  const b2 = (a * Math.sin(phi) + bb * Math.cos(phi)) * s;
  const k = 1 / Math.sqrt(3);
  return [m + (2 * a2) / 3, m - a2 / 3 + b2 * k, m - a2 / 3 - b2 * k].map((v) =>
    Math.min(1, Math.max(0, v * light)),
  );
}

/** Every 8-bit colour on a 17-step grid (4,913 colours), one per pixel. */
function colourGrid(): RgbaImage {
  const steps = [...Array(17).keys()].map((i) => Math.min(255, i * 16));
  const colours = steps.flatMap((r) => steps.flatMap((g) => steps.map((b) => [r, g, b])));
  const width = 289;
  const height = Math.ceil(colours.length / width);
  const data = new Uint8Array(width * height * 4);
  colours.forEach(([r, g, b], i) => data.set([r!, g!, b!, 255], i * 4));
  return { width, height, data };
}

async function mix(image: RgbaImage, params: Params): Promise<Uint8Array> {
  return (await cpu.render(image, layoutStack({ effects: [layer('hsl', params)] }))).data;
}

const at = (data: Uint8Array | Uint8ClampedArray, i: number) => [
  data[i * 4]!,
  data[i * 4 + 1]!,
  data[i * 4 + 2]!,
];
const hueOf = ([r, g, b]: number[]) =>
  (Math.atan2((Math.sqrt(3) / 2) * (g! - b!), r! - (g! + b!) / 2) * 180) / Math.PI;

describe('colour mixer (HSL per colour range)', () => {
  const grid = colourGrid();
  const settings: Params[] = [
    { redsHue: 0.5, orangesSat: 0.6, yellowsLight: -0.5, greensHue: -0.7, aquasSat: -0.4 },
    { bluesLight: 0.6, purplesHue: 0.3, magentasSat: 0.8, bluesSat: 0.5, redsLight: -1 },
    { orangesHue: -1, orangesSat: -1, orangesLight: 1 },
  ];

  it.each(settings)('the CPU path follows the formula within 1/255 (%o)', async (params) => {
    const out = await mix(grid, params);
    let worst = 0;
    for (let i = 0; i < grid.width * grid.height; i++) {
      if (grid.data[i * 4 + 3] === 0) continue;
      const want = reference(
        at(grid.data, i).map((v) => v / 255),
        params,
      ).map((v) => Math.round(v * 255));
      const got = at(out, i);
      for (let c = 0; c < 3; c++) worst = Math.max(worst, Math.abs(want[c]! - got[c]!));
    }
    expect(worst).toBeLessThanOrEqual(1);
  });

  it('at zero moves nothing, and leaves greys grey at any setting', async () => {
    expect([...(await mix(grid, {}))]).toEqual([...grid.data]);
    const all = Object.fromEntries(
      HSL_RANGES.flatMap((r) => [
        [`${r.key}Hue`, 1],
        [`${r.key}Sat`, 1],
        [`${r.key}Light`, 1],
      ]),
    );
    const out = await mix(grid, all);
    for (let i = 0; i < grid.width * grid.height; i++) {
      const [r, g, b] = at(grid.data, i);
      if (r === g && g === b && grid.data[i * 4 + 3] === 255) {
        expect(at(out, i), `grey ${r}`).toEqual([r, g, b]);
      }
    }
  });

  it('desaturating the blues greys a blue and leaves a red and a yellow as they were', async () => {
    const image: RgbaImage = {
      width: 3,
      height: 1,
      data: Uint8Array.from([40, 90, 230, 255, 210, 40, 30, 255, 220, 200, 40, 255]),
    };
    const out = await mix(image, { bluesSat: -1 });
    const [r, g, b] = at(out, 0);
    // At the blues' centre (225°) almost all of its colourfulness goes: 190 levels → a few.
    expect(Math.max(r!, g!, b!) - Math.min(r!, g!, b!)).toBeLessThanOrEqual(190 * 0.05);
    expect(at(out, 1)).toEqual([210, 40, 30]);
    expect(at(out, 2)).toEqual([220, 200, 40]);
  });

  it('moving every range\u2019s hue alike turns every colourful pixel by the same 30°', async () => {
    const all = Object.fromEntries(HSL_RANGES.map((r) => [`${r.key}Hue`, 1]));
    const image: RgbaImage = {
      width: 4,
      height: 1,
      data: Uint8Array.from([
        200, 60, 50, 255, 60, 180, 70, 255, 50, 90, 210, 255, 190, 70, 180, 255,
      ]),
    };
    const out = await mix(image, all);
    for (let i = 0; i < 4; i++) {
      const turn = ((hueOf(at(out, i)) - hueOf(at(image.data, i)) + 540) % 360) - 180;
      expect(Math.abs(turn - 30), `pixel ${i}`).toBeLessThan(2);
    }
  });
});
