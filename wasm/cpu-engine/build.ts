/**
 * Builds the CPU engine (./engine.ts, AssemblyScript) into WebAssembly with SIMD, from source,
 * with the `assemblyscript` compiler from npm (a devDependency: `npm ci` installs it). The Vite
 * plugin `cpuEngine()` runs it at build, dev-server and test start and serves the bytes as the
 * module `virtual:cpu-engine` (inlined: ~12 KB, instantiated synchronously in the workers).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Plugin } from 'vite';

export const ENGINE_SOURCE = join(import.meta.dirname, 'engine.ts');
const VIRTUAL = 'virtual:cpu-engine';

/** @throws Error with the compiler's messages when the source does not compile. */
export async function buildCpuEngine(source = readFileSync(ENGINE_SOURCE, 'utf8')) {
  const { default: asc } = await import('assemblyscript/asc');
  const result = await asc.compileString(
    { 'engine.ts': source },
    {
      optimizeLevel: 3,
      shrinkLevel: 0,
      runtime: 'stub',
      noAssert: true,
      enable: ['simd'],
      initialMemory: 1,
    },
  );
  if (result.error || !result.binary) {
    throw new Error(`The CPU engine did not compile:\n${result.stderr.toString()}`);
  }
  return result.binary;
}

/** Vite plugin: `import wasm from 'virtual:cpu-engine'` gives the engine's bytes. */
export function cpuEngine(): Plugin {
  let built: Promise<Uint8Array> | undefined;
  return {
    name: 'atelier-cpu-engine',
    resolveId: (id) => (id === VIRTUAL ? `\0${VIRTUAL}` : null),
    async load(id) {
      if (id !== `\0${VIRTUAL}`) return null;
      this.addWatchFile(ENGINE_SOURCE);
      const bytes = await (built ??= buildCpuEngine());
      const base64 = Buffer.from(bytes).toString('base64');
      return `const b = atob(${JSON.stringify(base64)});
const bytes = new Uint8Array(b.length);
for (let i = 0; i < b.length; i++) bytes[i] = b.charCodeAt(i);
export default bytes;
`;
    },
    watchChange(id) {
      if (id === ENGINE_SOURCE) built = undefined;
    },
  };
}
