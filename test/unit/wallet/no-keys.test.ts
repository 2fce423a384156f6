/** Private keys never touch Atelier's code: the app source has no key or mnemonic handling. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const FORBIDDEN = [
  /privateKeyToAccount/,
  /mnemonicToAccount/,
  /generatePrivateKey/,
  /generateMnemonic/,
  /hdKeyToAccount/,
  /['"]eth_sign['"]/,
  /['"]personal_sign['"]/,
  /0x[0-9a-fA-F]{64}(?![0-9a-fA-F])/,
];

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return sources(full);
    return /\.(ts|svelte|js|mjs)$/.test(name) && !/\.test\.ts$/.test(name) ? [full] : [];
  });
}

describe('no private keys in the app', () => {
  it('src/ and workers/ never derive, hold or ask to sign with raw keys', () => {
    const files = [...sources(join(ROOT, 'src')), ...sources(join(ROOT, 'workers'))];
    expect(files.length).toBeGreaterThan(10);
    const hits = files.flatMap((file) => {
      const text = readFileSync(file, 'utf8');
      return FORBIDDEN.filter((re) => re.test(text)).map(
        (re) => `${file.slice(ROOT.length + 1)}: ${re}`,
      );
    });
    expect(hits).toEqual([]);
  });
});
