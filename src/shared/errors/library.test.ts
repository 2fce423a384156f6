import { describe, expect, it } from 'vitest';
import { isQuotaError, LibraryError, storageError } from './library';

/** Dexie wraps a failed transaction's cause as `inner` of an AbortError. */
function dexieAbort(inner: unknown) {
  const e = new Error('Transaction aborted') as Error & { inner: unknown };
  e.name = 'AbortError';
  e.inner = inner;
  return e;
}

describe('isQuotaError', () => {
  const chromium = new DOMException('The quota has been exceeded.', 'QuotaExceededError');
  const firefox = Object.assign(new Error('quota reached'), {
    name: 'NS_ERROR_DOM_QUOTA_REACHED',
    code: 1014,
  });
  const oldWebkit = Object.assign(new Error('x'), { name: 'QUOTA_EXCEEDED_ERR', code: 22 });

  it.each([
    ['Chromium', chromium],
    ['Firefox', firefox],
    ['old WebKit', oldWebkit],
    ['Dexie AbortError(Chromium)', dexieAbort(chromium)],
    ['Dexie AbortError(Firefox)', dexieAbort(firefox)],
    ['Dexie AbortError(WebKit)', dexieAbort(oldWebkit)],
    ['a cause chain', new Error('write failed', { cause: dexieAbort(chromium) })],
    [
      'a bulk failure',
      Object.assign(new Error('BulkError'), { failures: [new Error('x'), chromium] }),
    ],
  ])('recognises %s', (_, error) => {
    expect(isQuotaError(error)).toBe(true);
  });

  it.each([
    ['a plain abort', dexieAbort(undefined)],
    ['a constraint error', new DOMException('Key already exists', 'ConstraintError')],
    ['a string', 'QuotaExceededError'],
    ['null', null],
  ])('does not mistake %s for a full disk', (_, error) => {
    expect(isQuotaError(error)).toBe(false);
  });

  it('turns failures into library errors with clear messages', () => {
    const full = storageError(dexieAbort(chromium), '"a.png"');
    expect(full.code).toBe('quota-exceeded');
    expect(full.message).toBe(
      'Storage is full: "a.png" was not saved. Nothing was half-written; free some space ' +
        '(delete works or back up and clear) and try again.',
    );
    const other = storageError(new DOMException('boom', 'UnknownError'), '"b.png"');
    expect(other.code).toBe('storage-failed');
    expect(other.message).toBe('"b.png" could not be saved: boom');
    const same = new LibraryError('not-found', 'gone');
    expect(storageError(same, 'x')).toBe(same);
  });
});
