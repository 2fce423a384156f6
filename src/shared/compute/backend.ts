/**
 * What a worker found on this device, and the one function that picks a compute backend from it.
 * Both workers and the UI use `chooseBackend`; nothing else decides WebGPU versus WASM.
 */

export type BackendPreference = 'auto' | 'webgpu' | 'wasm';
export type Backend = 'webgpu' | 'wasm';

export interface GpuAdapterProbe {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
  shaderF16: boolean;
  features: string[];
  limits: {
    maxBufferSize: number;
    maxStorageBufferBindingSize: number;
    maxTextureDimension2D: number;
    maxComputeWorkgroupSizeX: number;
    maxComputeInvocationsPerWorkgroup: number;
  };
}

export interface DeviceProbe {
  /** Where the probe ran (`render` or `text` worker). */
  worker: string;
  webgpu: GpuAdapterProbe | null;
  /** Why there is no adapter, when there is none. */
  webgpuReason?: string;
  wasm: {
    crossOriginIsolated: boolean;
    sharedArrayBuffer: boolean;
    /** Threads ORT's WASM backend may use: 1 unless cross-origin isolated. */
    threads: number;
    simd: boolean;
  };
  hardwareConcurrency: number;
}

export interface BackendChoice {
  backend: Backend;
  /** Plain words for the status bar when the choice differs from the preference. */
  reason: string;
}

/**
 * Picks WebGPU when an adapter exists and the person did not force WASM; otherwise WASM.
 * A forced `webgpu` without an adapter still falls back to WASM, with the reason said.
 */
export function chooseBackend(preference: BackendPreference, probe: DeviceProbe): BackendChoice {
  if (preference === 'wasm') return { backend: 'wasm', reason: 'WASM chosen in settings' };
  if (probe.webgpu) {
    return {
      backend: 'webgpu',
      reason: preference === 'webgpu' ? 'WebGPU chosen in settings' : 'WebGPU adapter found',
    };
  }
  const why = probe.webgpuReason ?? 'no WebGPU adapter';
  return {
    backend: 'wasm',
    reason: preference === 'webgpu' ? `WebGPU chosen but unavailable (${why})` : why,
  };
}

/** WASM threads to use: all cores (capped) when isolated, else one. */
export function wasmThreads(crossOriginIsolated: boolean, hardwareConcurrency: number): number {
  if (!crossOriginIsolated) return 1;
  return Math.max(1, Math.min(8, hardwareConcurrency || 1));
}

/**
 * WASM threads for token-by-token text generation: half the cores, at most four (one on two
 * cores). Each token is a chain of small matrix-vector products, and past that ORT's threads
 * spend more on waking and syncing than they save: the bundled GPT-2 on two cores decodes 174
 * tokens/s on one thread and 114 on two, first token 59 vs 108 ms (`npm run bench`, write).
 */
export function decodeThreads(crossOriginIsolated: boolean, hardwareConcurrency: number): number {
  if (!crossOriginIsolated) return 1;
  return Math.max(1, Math.min(4, Math.ceil((hardwareConcurrency || 1) / 2)));
}
