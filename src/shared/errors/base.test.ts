import { describe, expect, it } from 'vitest';
import { BaseError, deserializeError, hasCode, isAbortError, serializeError } from './base';

describe('errors', () => {
  it('round-trips code and details through serialisation', () => {
    const original = new BaseError('quota-exceeded', 'Storage is full.', { details: { bytes: 5 } });
    const back = deserializeError(structuredClone(serializeError(original)));
    expect(hasCode(back) && back.code).toBe('quota-exceeded');
    expect(back.message).toBe('Storage is full.');
    expect((back as BaseError).details).toEqual({ bytes: 5 });
    expect(back.name).toBe('AtelierError');
  });

  it('serialises plain errors and non-errors', () => {
    expect(serializeError(new TypeError('bad'))).toMatchObject({
      name: 'TypeError',
      message: 'bad',
    });
    expect(serializeError('text')).toEqual({ name: 'Error', message: 'text' });
    expect(hasCode(deserializeError({ name: 'TypeError', message: 'bad' }))).toBe(false);
  });

  it('recognises aborts from DOMException and from coded errors', () => {
    expect(isAbortError(new DOMException('x', 'AbortError'))).toBe(true);
    expect(isAbortError(new BaseError('aborted', 'x'))).toBe(true);
    expect(isAbortError(new Error('x'))).toBe(false);
    expect(isAbortError(null)).toBe(false);
  });
});
