import { afterEach, describe, expect, it } from 'vitest';
import { loadStored, saveStored } from './stored';

/** A localStorage that keeps strings in a map, or throws on every write (full or blocked). */
function storage(failWrites = false): Storage {
  const map = new Map<string, string>();
  return {
    getItem: (k: string) => map.get(k) ?? null,
    setItem: (k: string, v: string) => {
      if (failWrites) throw new DOMException('full', 'QuotaExceededError');
      map.set(k, v);
    },
    removeItem: (k: string) => void map.delete(k),
    clear: () => map.clear(),
    key: (i: number) => [...map.keys()][i] ?? null,
    get length() {
      return map.size;
    },
  };
}

const original = Object.getOwnPropertyDescriptor(globalThis, 'localStorage');
afterEach(() => {
  if (original) Object.defineProperty(globalThis, 'localStorage', original);
  else delete (globalThis as { localStorage?: Storage }).localStorage;
});
const use = (s: Storage) =>
  Object.defineProperty(globalThis, 'localStorage', { value: s, configurable: true });

describe('loadStored / saveStored', () => {
  it('round-trips an object under its key', () => {
    use(storage());
    saveStored('k', { theme: 'light', left: false });
    expect(loadStored('k')).toEqual({ theme: 'light', left: false });
    expect(loadStored('other')).toEqual({});
  });

  it('reads damaged, non-object or missing storage as nothing', () => {
    const s = storage();
    use(s);
    for (const raw of ['{not json', '[1,2]', '"text"', 'null', '7']) {
      s.setItem('k', raw);
      expect(loadStored('k')).toEqual({});
    }
    delete (globalThis as { localStorage?: Storage }).localStorage;
    expect(loadStored('k')).toEqual({});
  });

  it('a full or blocked storage does not throw on save', () => {
    use(storage(true));
    expect(() => saveStored('k', { a: 1 })).not.toThrow();
    expect(loadStored('k')).toEqual({});
  });
});
