/** The committed contract artifact is what the committed source compiles to. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ARTIFACT_PATH, compileRegistry } from '../../../scripts/contracts.mjs';

describe('CopyrightRegistry artifact', () => {
  it('equals a fresh solc-js compile (run `npm run contracts:build` after editing the source)', () => {
    const committed = JSON.parse(readFileSync(ARTIFACT_PATH, 'utf8'));
    const fresh = compileRegistry();
    expect(committed).toEqual(fresh);
    const abi = fresh.abi as Array<{ type: string; name: string }>;
    const names = abi.filter((i) => i.type === 'error').map((i) => i.name);
    expect(names.sort()).toEqual([
      'AlreadyClaimed',
      'InvalidSignature',
      'NonceAlreadyUsed',
      'NotAuthor',
    ]);
  }, 60_000);
});
