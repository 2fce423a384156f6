/**
 * The one error type Atelier throws. Every expected failure carries a string `code` that callers
 * branch on (never `instanceof`, which does not survive the worker boundary), plus optional
 * plain-data `details`. Domain files (compute.ts, …) define the codes and subclasses.
 */
export type ErrorDetails = Readonly<Record<string, unknown>>;

export interface BaseErrorOptions {
  details?: ErrorDetails;
  cause?: unknown;
}

export class BaseError<C extends string = string> extends Error {
  override name = 'AtelierError';
  readonly code: C;
  readonly details: ErrorDetails;

  constructor(code: C, message: string, options: BaseErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details ?? {};
  }
}

/** The serialisable shape of an error, as it crosses a worker boundary. */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  code?: string;
  details?: ErrorDetails;
}

/** True for anything with a string `code`, wherever it was constructed. */
export function hasCode(error: unknown): error is { code: string; message: string; name: string } {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { code?: unknown }).code === 'string'
  );
}

/** An abort (from an AbortSignal) is a normal outcome, never shown as an error. */
export function isAbortError(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    ((error as { name?: unknown }).name === 'AbortError' ||
      (error as { code?: unknown }).code === 'aborted')
  );
}

export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error) {
    const out: SerializedError = { name: error.name, message: error.message };
    if (error.stack) out.stack = error.stack;
    if (hasCode(error)) out.code = error.code;
    const details = (error as { details?: unknown }).details;
    if (details && typeof details === 'object') out.details = details as ErrorDetails;
    return out;
  }
  return { name: 'Error', message: typeof error === 'string' ? error : String(error) };
}

/** Rebuilds an error from its serialised shape; `code` and `details` are kept. */
export function deserializeError(data: SerializedError): Error {
  const error =
    data.code !== undefined
      ? new BaseError(data.code, data.message, { details: data.details ?? {} })
      : new Error(data.message);
  error.name = data.name;
  if (data.stack) error.stack = data.stack;
  return error;
}
