/**
 * Builds the studio and serves it with `vite preview` on 127.0.0.1 (strict port), for e2e tests
 * and benchmarks. The server is a child process stopped by PID; its early exit is an error.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..');
const VITE = join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');

export interface BuildOptions {
  outDir?: string;
  /** Written into the bundle as __APP_VERSION__ (update-flow tests build two). */
  version?: string;
  /** More build-time environment (e.g. ATELIER_EXTRA_CATALOGUE). */
  env?: Record<string, string>;
}

/** Runs `vite build`. @throws Error with Vite's output when the build fails. */
export function buildStudio({ outDir = 'dist', version, env }: BuildOptions = {}): void {
  const result = spawnSync(process.execPath, [VITE, 'build', '--outDir', outDir, '--emptyOutDir'], {
    cwd: ROOT,
    // Vitest sets NODE_ENV=test, which would give a dev-mode Svelte build without the service
    // worker registration: build exactly what `npm run build` builds.
    env: {
      ...process.env,
      NODE_ENV: 'production',
      ...(version ? { APP_VERSION: version } : {}),
      ...env,
    },
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    throw new Error(`vite build failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  }
}

export interface Preview {
  url: string;
  port: number;
  process: ChildProcess;
  /** Set when the server exited before stop() was called. */
  exitedEarly(): string | null;
  stop(): Promise<void>;
}

/** Serves a build on 127.0.0.1:`port` and waits until it answers. */
export async function startPreview({
  outDir = 'dist',
  port,
}: {
  outDir?: string;
  port: number;
}): Promise<Preview> {
  const child = spawn(
    process.execPath,
    [
      VITE,
      'preview',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--strictPort',
      '--outDir',
      outDir,
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  let exit: string | null = null;
  let stopping = false;
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  child.on('exit', (code, signal) => {
    if (!stopping) exit = `vite preview exited (${code ?? signal}):\n${output}`;
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exit) throw new Error(exit);
    try {
      const res = await fetch(`${url}/`);
      if (res.ok && (await res.text()).includes('id="app"')) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`vite preview did not answer on ${url} within 30 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  return {
    url,
    port,
    process: child,
    exitedEarly: () => exit,
    async stop() {
      stopping = true;
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await gone;
      clearTimeout(timer);
    },
  };
}
