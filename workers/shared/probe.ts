/**
 * Probes what this worker can compute with: a WebGPU adapter (its identity, f16, limits) and the
 * WASM environment (isolation, threads, SIMD). Runs inside a worker; used by every worker's probe().
 */
import {
  wasmThreads,
  type DeviceProbe,
  type GpuAdapterProbe,
} from '../../src/shared/compute/backend';

// A minimal SIMD module: (func (result v128) v128.const i32x4 0 0 0 0)
const SIMD_TEST = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 22, 1, 20, 0, 253, 12, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 11,
]);

function hasSimd(): boolean {
  try {
    return WebAssembly.validate(SIMD_TEST);
  } catch {
    return false;
  }
}

export async function probeAdapter(): Promise<{ adapter: GPUAdapter | null; reason?: string }> {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  if (!gpu) return { adapter: null, reason: 'this browser has no WebGPU' };
  try {
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    return adapter ? { adapter } : { adapter: null, reason: 'no WebGPU adapter' };
  } catch (error) {
    return { adapter: null, reason: `WebGPU adapter request failed: ${String(error)}` };
  }
}

export function describeAdapter(adapter: GPUAdapter): GpuAdapterProbe {
  const info = adapter.info;
  // `isFallbackAdapter` moved from the adapter to its info object; read either.
  const legacy = adapter as GPUAdapter & { isFallbackAdapter?: boolean };
  const fallback =
    (info as GPUAdapterInfo & { isFallbackAdapter?: boolean }).isFallbackAdapter ??
    legacy.isFallbackAdapter ??
    false;
  return {
    vendor: info.vendor,
    architecture: info.architecture,
    device: info.device,
    description: info.description,
    isFallbackAdapter: fallback,
    shaderF16: adapter.features.has('shader-f16'),
    features: [...adapter.features].sort(),
    limits: {
      maxBufferSize: adapter.limits.maxBufferSize,
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
      maxTextureDimension2D: adapter.limits.maxTextureDimension2D,
      maxComputeWorkgroupSizeX: adapter.limits.maxComputeWorkgroupSizeX,
      maxComputeInvocationsPerWorkgroup: adapter.limits.maxComputeInvocationsPerWorkgroup,
    },
  };
}

/** @param worker the name of the worker probing, for the status bar. */
export async function probeDevice(worker: string): Promise<DeviceProbe> {
  const { adapter, reason } = await probeAdapter();
  const isolated = globalThis.crossOriginIsolated === true;
  const cores = globalThis.navigator?.hardwareConcurrency ?? 1;
  const probe: DeviceProbe = {
    worker,
    webgpu: adapter ? describeAdapter(adapter) : null,
    wasm: {
      crossOriginIsolated: isolated,
      sharedArrayBuffer: typeof SharedArrayBuffer === 'function',
      threads: wasmThreads(isolated, cores),
      simd: hasSimd(),
    },
    hardwareConcurrency: cores,
  };
  if (reason) probe.webgpuReason = reason;
  return probe;
}
