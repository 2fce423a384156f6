/** Errors of the render engine (effects, stacks, the GPU and CPU render paths). */
import { BaseError, type BaseErrorOptions } from './base';

export type RenderErrorCode =
  /** The stack names an effect this build does not know (or a model not in the manifest). */
  | 'unknown-effect'
  /** A parameter is missing its shape (not a number, wrong array length). */
  | 'invalid-param'
  /** The image is empty, too large, or its pixel buffer does not match its size. */
  | 'invalid-image'
  /** A neural effect's model could not be fetched or checked. */
  | 'model-unavailable'
  /** The WebGPU device was lost during a render (the client re-runs it on the CPU). */
  | 'gpu-device-lost'
  /** WebGPU failed otherwise (shader, pipeline, buffer, ORT WebGPU session). */
  | 'gpu-failed'
  /** The CPU (ORT WASM) path failed. */
  | 'cpu-failed'
  /** The render's output (e.g. after an upscale) would exceed what this device can hold. */
  | 'too-large';

export class RenderError extends BaseError<RenderErrorCode> {
  override name = 'RenderError' as const;
  constructor(code: RenderErrorCode, message: string, options?: BaseErrorOptions) {
    super(code, message, options);
  }
}

/** Codes after which the client retries a render on the CPU path in a fresh worker. */
export const GPU_FAILURE_CODES: readonly string[] = ['gpu-device-lost', 'gpu-failed'];
