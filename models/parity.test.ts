/**
 * Parity: each image model, run by onnxruntime-web's WASM backend in Node, reproduces the PyTorch
 * outputs committed in models/train/fixtures (written by models/train/export_image.py).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';

interface FixtureTensor {
  name: string;
  dims: number[];
  data: number[];
}

interface FixtureCase {
  file: string;
  reference: string;
  tolerance: number;
  input: FixtureTensor;
  /** Further inputs, e.g. a denoiser's noise level `sigma`. */
  extraInputs?: FixtureTensor[];
  output: FixtureTensor;
}

interface Fixture {
  model: string;
  cases: FixtureCase[];
}

const MODELS_DIR = import.meta.dirname;
const IMAGE_MODELS = ['autocolor', 'denoise', 'upscale2x'] as const;

function readFixture(id: string): Fixture {
  return JSON.parse(
    readFileSync(join(MODELS_DIR, 'train', 'fixtures', `${id}.json`), 'utf8'),
  ) as Fixture;
}

/** A noise level for a denoiser that takes one, when a test gives only the image. */
const DEFAULT_SIGMA: FixtureTensor = { name: 'sigma', dims: [1, 1, 1, 1], data: [10 / 255] };

async function run(
  modelPath: string,
  inputs: FixtureTensor[],
  outputName: string,
): Promise<ort.Tensor> {
  const session = await ort.InferenceSession.create(readFileSync(modelPath), {
    executionProviders: ['wasm'],
  });
  try {
    const given = new Map(inputs.map((t) => [t.name, t]));
    if (session.inputNames.includes('sigma') && !given.has('sigma')) {
      given.set('sigma', DEFAULT_SIGMA);
    }
    const feeds: Record<string, ort.Tensor> = {};
    for (const t of given.values()) {
      feeds[t.name] = new ort.Tensor('float32', Float32Array.from(t.data), t.dims);
    }
    const results = await session.run(feeds);
    const out = results[outputName];
    if (!out) throw new Error(`${modelPath}: no output named ${outputName}`);
    return out;
  } finally {
    await session.release();
  }
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

beforeAll(() => {
  ort.env.wasm.numThreads = 1;
});

describe.each(IMAGE_MODELS)('%s', (id) => {
  const fixture = readFixture(id);

  it('has fixtures for every shipped file', () => {
    expect(fixture.model).toBe(id);
    expect(fixture.cases.length).toBeGreaterThan(0);
    expect(fixture.cases.some((c) => c.tolerance <= 1e-3)).toBe(true);
  });

  it.each(fixture.cases.map((c) => [`${c.file} vs ${c.reference}`, c] as const))(
    '%s',
    async (_label, c) => {
      const out = await run(
        join(MODELS_DIR, id, c.file),
        [c.input, ...(c.extraInputs ?? [])],
        c.output.name,
      );
      expect(out.type).toBe('float32');
      expect(Array.from(out.dims)).toEqual(c.output.dims);
      const data = out.data as Float32Array;
      expect(data.every(Number.isFinite)).toBe(true);
      expect(maxAbsDiff(data, c.output.data)).toBeLessThanOrEqual(c.tolerance);
    },
  );
});

describe('dynamic shapes', () => {
  it('denoise keeps any H x W and upscale2x doubles it', async () => {
    const dims = [1, 3, 7, 13];
    const input: FixtureTensor = {
      name: 'image',
      dims,
      data: Array.from({ length: 3 * 7 * 13 }, (_, i) => (i % 17) / 16),
    };
    const den = await run(join(MODELS_DIR, 'denoise', 'model.onnx'), [input], 'denoised');
    expect(Array.from(den.dims)).toEqual(dims);
    const up = await run(join(MODELS_DIR, 'upscale2x', 'model.onnx'), [input], 'upscaled');
    expect(Array.from(up.dims)).toEqual([1, 3, 14, 26]);
    const values = up.data as Float32Array;
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThanOrEqual(1);
  });

  it('autocolor takes a batch of thumbnails', async () => {
    const input: FixtureTensor = {
      name: 'image',
      dims: [3, 3, 8, 8],
      data: Array.from({ length: 3 * 3 * 64 }, () => 0.18),
    };
    const gains = await run(join(MODELS_DIR, 'autocolor', 'model.onnx'), [input], 'gains');
    expect(Array.from(gains.dims)).toEqual([3, 3]);
  });
});
