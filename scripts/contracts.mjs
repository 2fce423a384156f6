/**
 * Compiles src/lib/wallet/contracts/CopyrightRegistry.sol with solc-js (WASM, no download) and,
 * run as a script (`npm run contracts:build`), writes the committed artifact beside it.
 * The unit tests import `compileRegistry` and check the committed artifact equals a fresh compile.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import solc from 'solc';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const SOURCE_PATH = join(ROOT, 'src/lib/wallet/contracts/CopyrightRegistry.sol');
export const ARTIFACT_PATH = join(ROOT, 'src/lib/wallet/contracts/CopyrightRegistry.json');

/** Pinned so a solc-js upgrade with new defaults cannot change the bytecode silently. */
export const SETTINGS = {
  optimizer: { enabled: true, runs: 200 },
  evmVersion: 'cancun',
  outputSelection: { '*': { CopyrightRegistry: ['abi', 'evm.bytecode.object'] } },
};

/**
 * @returns {{ contractName: string, compiler: string, settings: typeof SETTINGS, abi: unknown[], bytecode: string }}
 * @throws Error with solc's messages when the source does not compile.
 */
export function compileRegistry() {
  const content = readFileSync(SOURCE_PATH, 'utf8');
  const input = {
    language: 'Solidity',
    sources: { 'CopyrightRegistry.sol': { content } },
    settings: SETTINGS,
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input)));
  const errors = (output.errors ?? []).filter(
    (/** @type {{severity: string}} */ e) => e.severity === 'error',
  );
  if (errors.length) {
    throw new Error(
      errors.map((/** @type {{formattedMessage: string}} */ e) => e.formattedMessage).join('\n'),
    );
  }
  const contract = output.contracts['CopyrightRegistry.sol'].CopyrightRegistry;
  return {
    contractName: 'CopyrightRegistry',
    compiler: `solc-js ${solc.version()}`,
    settings: SETTINGS,
    abi: contract.abi,
    bytecode: `0x${contract.evm.bytecode.object}`,
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const artifact = compileRegistry();
  writeFileSync(ARTIFACT_PATH, `${JSON.stringify(artifact, null, 2)}\n`);
  console.log(`Wrote ${ARTIFACT_PATH} (${(artifact.bytecode.length - 2) / 2} bytes of bytecode).`);
}
