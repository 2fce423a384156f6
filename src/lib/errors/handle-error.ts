/**
 * The one place errors reach a person. Rooms call `handleError(error, 'Importing photo.png')`;
 * workers, db and wallet code never show anything themselves. Aborts are normal and stay silent.
 */
import { hasCode, isAbortError } from '../../shared/errors/base';
import { toasts } from '../state/toasts.svelte';

/** Friendlier words for codes whose raw message is too technical. */
const MESSAGES: Record<string, string> = {
  'worker-crashed': 'A background worker stopped unexpectedly. Try again; your work is safe.',
  'worker-timeout': 'A background task took too long and was stopped. Try again.',
  'worker-start-failed': 'A background worker could not start. Reload the studio.',
  'gpu-device-lost': 'The GPU was lost; Atelier continues on the CPU.',
};

export function errorMessage(error: unknown): string {
  if (hasCode(error)) return MESSAGES[error.code] ?? error.message;
  if (error instanceof Error) return error.message || error.name;
  return typeof error === 'string' ? error : 'Something went wrong.';
}

/**
 * The technical text behind an error (a runtime's own message, with its paths), for a "Details"
 * disclosure only: `details.raw` where the thrower kept it. Never part of the message itself.
 */
export function errorDetails(error: unknown): string | undefined {
  const details = (error as { details?: { raw?: unknown } } | null)?.details;
  return typeof details?.raw === 'string' && details.raw ? details.raw : undefined;
}

/** Shows `error` to the person (unless it is an abort). Returns the message shown, or null. */
export function handleError(error: unknown, context?: string): string | null {
  if (isAbortError(error)) return null;
  const message = context ? `${context}: ${errorMessage(error)}` : errorMessage(error);
  console.error(context ?? 'Atelier error', error);
  toasts.push('error', message, undefined, errorDetails(error));
  return message;
}
