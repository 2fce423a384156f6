import { describe, expect, it } from 'vitest';
import { ADVICE_MIN_BYTES, storageAdvice, type StorageFacts } from './storage-advice';

const MB = 1024 ** 2;
const facts = (over: Partial<StorageFacts> = {}): StorageFacts => ({
  persisted: false,
  works: 3,
  bytes: 6 * MB,
  refused: false,
  backedUp: false,
  canInstall: false,
  ...over,
});

describe('storage advice', () => {
  it('says nothing after a first import, nor while storage is kept or unknown', () => {
    expect(storageAdvice(facts({ works: 1, bytes: 200_000 }))).toBeNull();
    expect(storageAdvice(facts({ works: 2, bytes: 3 * MB }))).toBeNull();
    expect(storageAdvice(facts({ persisted: true, works: 40 }))).toBeNull();
    expect(storageAdvice(facts({ persisted: null, works: 40 }))).toBeNull();
    expect(storageAdvice(facts({ works: 0, refused: true }))).toBeNull();
  });

  it('speaks once the library matters, with the action that helps', () => {
    expect(storageAdvice(facts())).toEqual({
      sentence:
        'This browser may clear your 3 works (6 MB) when the disk runs low, so keep a backup ' +
        'file of them somewhere safe.',
      action: 'backup',
      actionLabel: 'Back up now',
    });
    expect(storageAdvice(facts({ canInstall: true }))).toEqual({
      sentence:
        'This browser may clear your 3 works (6 MB) when the disk runs low; installing Atelier ' +
        'asks it to keep them.',
      action: 'install',
      actionLabel: 'Install Atelier',
    });
    // One large work matters too.
    expect(storageAdvice(facts({ works: 1, bytes: ADVICE_MIN_BYTES }))?.sentence).toContain(
      'your 1 work (20 MB)',
    );
  });

  it('says the browser declined when a request made when it mattered was refused', () => {
    expect(storageAdvice(facts({ works: 2, bytes: 300 * 1024, refused: true }))?.sentence).toBe(
      "The browser declined to keep Atelier's storage, so it may clear your 2 works (300 KB) " +
        'when the disk runs low, so keep a backup file of them somewhere safe.',
    );
  });

  it('goes quiet once a backup holds everything, unless installing would still help', () => {
    expect(storageAdvice(facts({ backedUp: true }))).toBeNull();
    expect(storageAdvice(facts({ backedUp: true, canInstall: true }))?.action).toBe('install');
  });
});
