/**
 * Auto colour on the real shipped model (models/autocolor, checked against its manifest), run by
 * onnxruntime-web's WASM backend in Node. `fetch` of /models/* reads the repository's files, as
 * the static server does in the app.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { gainsToMatrix } from '../../src/shared/autocolor';
import { AutoColor } from './autocolor';
import type { OrtModule } from './cpu';

ort.env.wasm.numThreads = 1;
const MODELS = join(import.meta.dirname, '..', '..', 'models');
const manifest = JSON.parse(readFileSync(join(MODELS, 'manifest.json'), 'utf8')) as unknown;

beforeAll(() => {
  vi.stubGlobal('fetch', async (url: string) => {
    const path = join(MODELS, url.replace(/^\/models\//, ''));
    return new Response(readFileSync(path));
  });
});
afterAll(() => vi.unstubAllGlobals());

const toLinear = (c: number) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
const toSrgb = (l: number) => (l <= 0.0031308 ? 12.92 * l : 1.055 * l ** (1 / 2.4) - 0.055);

/** A neutral grey-ish scene (varied greys and soft colours), with a linear-light cast applied. */
function scene(cast: [number, number, number]) {
  const w = 64;
  const h = 48;
  const data = new Uint8ClampedArray(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const base = 0.15 + 0.6 * (x / w);
      const tint = [base * (1 + 0.1 * Math.sin(y / 5)), base, base * (1 + 0.1 * Math.cos(x / 7))];
      const px = tint.map((v, c) => Math.round(255 * toSrgb(Math.min(1, toLinear(v) * cast[c]!))));
      data.set([...px, 255], (y * w + x) * 4);
    }
  }
  return { width: w, height: h, data };
}

describe('Auto colour', () => {
  const auto = new AutoColor(async () => ort as unknown as OrtModule);

  it('predicts gains that undo a warm cast (less red, more blue)', async () => {
    const gains = await auto.gains(scene([1.6, 1, 0.6]), manifest);
    expect(gains).toHaveLength(3);
    expect(gains[0]).toBeLessThan(gains[1]);
    expect(gains[2]).toBeGreaterThan(gains[1]);
    expect(gains[2] / gains[0]).toBeGreaterThan(1.3);
    const m = gainsToMatrix(gains);
    expect(m[0]).toBeLessThan(m[10]!);
  });

  it('predicts the opposite for a cool cast', async () => {
    const gains = await auto.gains(scene([0.6, 1, 1.6]), manifest);
    expect(gains[0]).toBeGreaterThan(gains[2]);
  });

  it('says clearly when the build has no Auto colour model', async () => {
    const other = new AutoColor(async () => ort as unknown as OrtModule);
    await expect(other.gains(scene([1, 1, 1]), { models: [] })).rejects.toMatchObject({
      code: 'model-unavailable',
      message: 'Auto colour is not installed in this build.',
    });
  });
});
