/** Errors of the worker plumbing and compute backends. */
import { BaseError, type BaseErrorOptions } from './base';

export type ComputeErrorCode =
  | 'worker-crashed'
  | 'worker-timeout'
  | 'worker-start-failed'
  | 'webgpu-unavailable'
  | 'gpu-device-lost'
  | 'backend-failed';

export class ComputeError extends BaseError<ComputeErrorCode> {
  override name = 'ComputeError' as const;
  constructor(code: ComputeErrorCode, message: string, options?: BaseErrorOptions) {
    super(code, message, options);
  }
}

/** The error an aborted call rejects with; `isAbortError` recognises it. */
export function abortError(reason?: unknown): Error {
  if (reason instanceof Error && reason.name === 'AbortError') return reason;
  return new DOMException('The operation was aborted.', 'AbortError');
}
