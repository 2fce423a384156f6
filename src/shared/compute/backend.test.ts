import { describe, expect, it } from 'vitest';
import { chooseBackend, decodeThreads, wasmThreads, type DeviceProbe } from './backend';

const base: DeviceProbe = {
  worker: 'render',
  webgpu: null,
  webgpuReason: 'no WebGPU adapter',
  wasm: { crossOriginIsolated: true, sharedArrayBuffer: true, threads: 2, simd: true },
  hardwareConcurrency: 2,
};
const withGpu: DeviceProbe = {
  ...base,
  webgpu: {
    vendor: 'google',
    architecture: 'swiftshader',
    device: '',
    description: '',
    isFallbackAdapter: true,
    shaderF16: true,
    features: ['shader-f16'],
    limits: {
      maxBufferSize: 2 ** 28,
      maxStorageBufferBindingSize: 2 ** 27,
      maxTextureDimension2D: 8192,
      maxComputeWorkgroupSizeX: 256,
      maxComputeInvocationsPerWorkgroup: 256,
    },
  },
};

describe('chooseBackend', () => {
  it('uses WebGPU when an adapter exists and the person did not force WASM', () => {
    expect(chooseBackend('auto', withGpu).backend).toBe('webgpu');
    expect(chooseBackend('webgpu', withGpu).backend).toBe('webgpu');
    expect(chooseBackend('wasm', withGpu)).toEqual({
      backend: 'wasm',
      reason: 'WASM chosen in settings',
    });
  });

  it('falls back to WASM without an adapter and says why', () => {
    expect(chooseBackend('auto', base)).toEqual({ backend: 'wasm', reason: 'no WebGPU adapter' });
    expect(chooseBackend('webgpu', base).reason).toMatchInlineSnapshot(
      `"WebGPU chosen but unavailable (no WebGPU adapter)"`,
    );
  });
});

describe('wasmThreads', () => {
  it('uses one thread unless cross-origin isolated, else all cores up to 8', () => {
    expect(wasmThreads(false, 16)).toBe(1);
    expect(wasmThreads(true, 2)).toBe(2);
    expect(wasmThreads(true, 32)).toBe(8);
    expect(wasmThreads(true, 0)).toBe(1);
  });
});

describe('decodeThreads', () => {
  it('half the cores, at most four; one without isolation or on two cores', () => {
    expect(decodeThreads(false, 16)).toBe(1);
    expect(decodeThreads(true, 2)).toBe(1);
    expect(decodeThreads(true, 3)).toBe(2);
    expect(decodeThreads(true, 8)).toBe(4);
    expect(decodeThreads(true, 32)).toBe(4);
    expect(decodeThreads(true, 0)).toBe(1);
  });
});
