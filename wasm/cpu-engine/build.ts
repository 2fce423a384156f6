/**
 * Builds the CPU engine (./engine.ts and the modules it imports, AssemblyScript) into
 * WebAssembly with SIMD, from source, with the `assemblyscript` compiler from npm (a
 * devDependency: `npm ci` installs it). The Vite plugin `cpuEngine()` runs it at build,
 * dev-server and test start and serves the bytes as the module `virtual:cpu-engine` (inlined:
 * ~18 KB, instantiated synchronously in the workers).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Plugin } from 'vite';

const ENGINE_DIR = import.meta.dirname;
/** The engine's sources: every AssemblyScript file here but this build script. */
export const ENGINE_SOURCES = readdirSync(ENGINE_DIR)
  .filter((f) => f.endsWith('.ts') && f !== 'build.ts')
  .map((f) => join(ENGINE_DIR, f));
const VIRTUAL = 'virtual:cpu-engine';

/** @throws Error with the compiler's messages when the sources do not compile. */
export async function buildCpuEngine(): Promise<Uint8Array> {
  const { default: asc } = await import('assemblyscript/asc');
  let binary: Uint8Array | undefined;
  const { error, stderr } = await asc.main(
    [
      'engine.ts',
      '--outFile',
      'engine.wasm',
      '--optimizeLevel',
      '3',
      '--shrinkLevel',
      '0',
      '--runtime',
      'stub',
      '--noAssert',
      '--enable',
      'simd',
      '--initialMemory',
      '1',
    ],
    {
      // Only this folder's sources (the compiler's own library comes with it).
      readFile: (name: string) => {
        try {
          return readFileSync(join(ENGINE_DIR, name), 'utf8');
        } catch {
          return null;
        }
      },
      writeFile: (name: string, contents: Uint8Array | string) => {
        if (name.endsWith('.wasm') && typeof contents !== 'string') binary = contents;
      },
      listFiles: () => [],
    },
  );
  if (error || !binary) {
    throw new Error(`The CPU engine did not compile:\n${stderr.toString()}`);
  }
  return binary;
}

/** Vite plugin: `import wasm from 'virtual:cpu-engine'` gives the engine's bytes. */
export function cpuEngine(): Plugin {
  let built: Promise<Uint8Array> | undefined;
  return {
    name: 'atelier-cpu-engine',
    resolveId: (id) => (id === VIRTUAL ? `\0${VIRTUAL}` : null),
    async load(id) {
      if (id !== `\0${VIRTUAL}`) return null;
      for (const file of ENGINE_SOURCES) this.addWatchFile(file);
      const bytes = await (built ??= buildCpuEngine());
      const base64 = Buffer.from(bytes).toString('base64');
      return `const b = atob(${JSON.stringify(base64)});
const bytes = new Uint8Array(b.length);
for (let i = 0; i < b.length; i++) bytes[i] = b.charCodeAt(i);
export default bytes;
`;
    },
    watchChange(id) {
      if (ENGINE_SOURCES.includes(id)) built = undefined;
    },
  };
}
