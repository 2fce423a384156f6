/**
 * A real local chain for tests: anvil from the npm package `@foundry-rs/anvil`, whose binary ships
 * inside the per-platform optional dependency (e.g. `@foundry-rs/anvil-linux-amd64/bin/anvil`),
 * so `npm ci` installs it and nothing is downloaded at test time. Started on 127.0.0.1 on a free
 * port, stopped by PID.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';

/**
 * Anvil's well-known development accounts: the private keys of its published test mnemonic ("test
 * test … junk"), printed by anvil at every start. Test-only: they hold nothing off a local chain.
 */
export const ANVIL_KEYS = [
  '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
  '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
  '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a',
] as const;

/** The path of the anvil binary the npm package installed for this platform. */
export function anvilBinary(): string {
  const os = process.platform === 'win32' ? 'win32' : process.platform;
  const arch = process.arch === 'x64' ? 'amd64' : process.arch;
  const pkg = `@foundry-rs/anvil-${os}-${arch}`;
  const require = createRequire(import.meta.url);
  let dir: string;
  try {
    dir = dirname(require.resolve(`${pkg}/package.json`));
  } catch {
    throw new Error(
      `${pkg} is not installed: run \`npm ci\` (it is an optional dependency of @foundry-rs/anvil).`,
    );
  }
  const bin = join(dir, 'bin', os === 'win32' ? 'anvil.exe' : 'anvil');
  if (!existsSync(bin)) throw new Error(`The anvil binary is missing at ${bin}.`);
  return bin;
}

/** A port nobody listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface Anvil {
  url: string;
  port: number;
  pid: number;
  chainId: number;
  stop(): Promise<void>;
}

/** Starts anvil and waits until it answers JSON-RPC. @throws when it exits or is not ready in 20 s. */
export async function startAnvil(
  options: {
    chainId?: number;
    /** False starts a chain without the CREATE2 deployment proxy (as a fresh network may be). */
    create2Deployer?: boolean;
  } = {},
): Promise<Anvil> {
  const chainId = options.chainId ?? 31337;
  const port = await freePort();
  const args = ['--host', '127.0.0.1', '--port', String(port), '--chain-id', String(chainId)];
  if (options.create2Deployer === false) args.push('--disable-default-create2-deployer');
  const child: ChildProcess = spawn(anvilBinary(), [...args, '--silent'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`anvil exited (${child.exitCode}): ${stderr}`);
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}',
      });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`anvil did not answer on ${url} within 20 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return {
    url,
    port,
    pid: child.pid!,
    chainId,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise((r) => child.once('exit', r));
      process.kill(child.pid!, 'SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await gone;
      clearTimeout(timer);
    },
  };
}
