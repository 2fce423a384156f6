/** The text client's backend choice and its retry on WASM in a fresh worker. */
import { describe, expect, it } from 'vitest';
import '../../shared/comlink-errors';
import type { DeviceProbe } from '../../shared/compute/backend';
import { TextError } from '../../shared/errors/text';
import type { TextApi } from '../../../workers/text.worker';
import { FakeWorker } from '../../../test/helpers/fake-worker';
import { WorkerClient } from './worker-client';
import { loadTextModel } from './text-client';

const probe = (webgpu: boolean): DeviceProbe => ({
  worker: 'text',
  webgpu: webgpu
    ? {
        vendor: 'google',
        architecture: 'swiftshader',
        device: '',
        description: '',
        isFallbackAdapter: true,
        shaderF16: false,
        features: [],
        limits: {
          maxBufferSize: 1,
          maxStorageBufferBindingSize: 1,
          maxTextureDimension2D: 1,
          maxComputeWorkgroupSizeX: 1,
          maxComputeInvocationsPerWorkgroup: 1,
        },
      }
    : null,
  wasm: { crossOriginIsolated: true, sharedArrayBuffer: true, threads: 8, simd: true },
  hardwareConcurrency: 8,
});

function setup(failWith: 'backend-failed' | 'model-invalid' | 'model-load-failed' | null) {
  const calls: { backend: string; threads: number; worker: number }[] = [];
  const workers: FakeWorker[] = [];
  const client = new WorkerClient<TextApi>({
    name: 'text',
    idleMs: 0,
    create: () => {
      const index = workers.length;
      const worker = new FakeWorker({
        load: (o: { backend: string; threads: number }) => {
          calls.push({ backend: o.backend, threads: o.threads, worker: index });
          if (failWith === 'model-load-failed')
            throw new TextError(failWith, 'The model could not be loaded: x');
          if (failWith && o.backend === 'webgpu') {
            throw new TextError(
              failWith,
              failWith === 'backend-failed' ? 'WebGPU could not run this model: boom' : 'missing',
            );
          }
          return { key: 'k', backend: o.backend, dtype: 'q8', contextLength: 512 };
        },
      });
      workers.push(worker);
      return worker;
    },
  });
  return { client, calls, workers };
}

const source = { key: 'k', folder: 'k' };

describe('loadTextModel', () => {
  it('uses WebGPU when the adapter allows', async () => {
    const { client, calls } = setup(null);
    const loaded = await loadTextModel({ source, preference: 'auto', probe: probe(true) }, client);
    expect(loaded.backend).toBe('webgpu');
    expect(loaded.fallbackReason).toBeUndefined();
    // Text decodes on half the cores, at most four (decodeThreads).
    expect(calls).toEqual([{ backend: 'webgpu', threads: 4, worker: 0 }]);
    client.dispose();
  });

  it('retries on WASM in a fresh worker when WebGPU fails', async () => {
    const { client, calls, workers } = setup('backend-failed');
    const loaded = await loadTextModel({ source, preference: 'auto', probe: probe(true) }, client);
    expect(loaded).toMatchObject({
      backend: 'wasm',
      fallbackReason: 'WebGPU could not run this model: boom',
    });
    expect(calls.map((c) => `${c.backend}@${c.worker}`)).toEqual(['webgpu@0', 'wasm@1']);
    expect(workers[0]!.terminated).toBe(true);
    client.dispose();
  });

  it('starts the next load in a fresh worker after a model failed to load', async () => {
    const { client, calls, workers } = setup('model-load-failed');
    await expect(
      loadTextModel({ source, preference: 'wasm', probe: probe(true) }, client),
    ).rejects.toMatchObject({
      code: 'model-load-failed',
    });
    expect(workers[0]!.terminated).toBe(true);
    await expect(
      loadTextModel({ source, preference: 'wasm', probe: probe(true) }, client),
    ).rejects.toThrow();
    expect(calls.map((c) => c.worker)).toEqual([0, 1]);
    client.dispose();
  });

  it('does not retry a broken model, and honours a forced WASM', async () => {
    const broken = setup('model-invalid');
    await expect(
      loadTextModel({ source, preference: 'auto', probe: probe(true) }, broken.client),
    ).rejects.toMatchObject({ code: 'model-invalid' });
    expect(broken.calls).toHaveLength(1);
    broken.client.dispose();
    const forced = setup(null);
    await loadTextModel({ source, preference: 'wasm', probe: probe(true) }, forced.client);
    await loadTextModel({ source, preference: 'auto', probe: null }, forced.client);
    expect(forced.calls.map((c) => `${c.backend}/${c.threads}`)).toEqual(['wasm/4', 'wasm/1']);
    forced.client.dispose();
  });
});
