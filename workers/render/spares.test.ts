/** Spare pixel buffers: what is kept, what is handed out again, and what never is. */
import { describe, expect, it } from 'vitest';
import { Spares } from './spares';

describe('Spares', () => {
  it('hands a kept buffer out again for a result of its size only, once', () => {
    const spares = new Spares();
    const a = new Uint8Array(64);
    spares.give(a);
    expect(spares.bytes).toBe(64);
    expect(spares.take(32)).toBeUndefined();
    expect(spares.take(64)).toBe(a);
    expect(spares.take(64)).toBeUndefined();
    expect(spares.bytes).toBe(0);
  });

  it('never keeps a view into other memory, shared pixels, an empty buffer or one twice', () => {
    const spares = new Spares();
    spares.give(new Uint8Array(new ArrayBuffer(128), 64, 64)); // part of a larger buffer
    spares.give(new Uint8Array(new SharedArrayBuffer(64)));
    spares.give(new Uint8Array(0));
    expect(spares.bytes).toBe(0);
    const a = new Uint8Array(16);
    spares.give(a);
    spares.give(a);
    expect(spares.bytes).toBe(16);
  });

  it('keeps at most four of a size', () => {
    const spares = new Spares();
    for (let i = 0; i < 6; i++) spares.give(new Uint8Array(8));
    expect(spares.bytes).toBe(32);
  });
});
