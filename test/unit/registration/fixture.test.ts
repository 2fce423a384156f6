/**
 * The committed fixture (test/fixtures/registration) is what the app's code produces today, and
 * it verifies. With FIXTURES_WRITE=1 (`npm run fixtures:registration`) it is rewritten instead.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { privateKeyToAccount } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import { verifyCertificate } from '../../../src/shared/registration/certificate';
import { contentHashOf } from '../../../src/shared/registration/content-hash';
import { readRegistration } from '../../../src/shared/registration/png';
import { ANVIL_KEYS } from '../../chain/anvil';
import { FIXTURE_DIR, REGISTRY, makeFixture } from './fixture';

const PNG = join(FIXTURE_DIR, 'example.png');
const JSON_PATH = join(FIXTURE_DIR, 'example.certificate.json');

describe('registration fixture', () => {
  it('is up to date with the code (run `npm run fixtures:registration` to refresh)', async () => {
    const fresh = await makeFixture();
    if (process.env.FIXTURES_WRITE === '1') {
      writeFileSync(PNG, fresh.png);
      writeFileSync(JSON_PATH, fresh.certificate);
    }
    expect(new Uint8Array(readFileSync(PNG))).toEqual(fresh.png);
    expect(readFileSync(JSON_PATH, 'utf8')).toBe(fresh.certificate);
  });

  it('verifies: signed by anvil account 0 for chain 31337 and the default registry', async () => {
    const png = new Uint8Array(readFileSync(PNG));
    const text = readRegistration(png);
    expect(text).toBe(readFileSync(JSON_PATH, 'utf8'));
    const result = await verifyCertificate(text, { contentHash: await contentHashOf(png) });
    expect(result).toMatchObject({
      valid: true,
      contentMatches: true,
      signer: privateKeyToAccount(ANVIL_KEYS[0]).address,
    });
    expect(result.typed!.domain).toMatchObject({ chainId: 31337, verifyingContract: REGISTRY });
  });
});
