/**
 * Benchmark helpers. This machine is noisy, so comparisons run side by side in one process
 * (A B A B …), after a warm-up, and report medians and their ratio rather than absolute speed.
 */
import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';

export const RESULTS_JSONL = join(import.meta.dirname, '..', '..', 'bench-results.jsonl');

export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  /** The comparison's value, in the same unit, when there is one. */
  baseline: number | null;
  /** baseline / value for times (higher = faster than baseline); documented per bench in `note`. */
  ratio: number | null;
  backend: string | null;
  adapter: string | null;
  note: string;
}

/** Records one result for the table and bench-results.json. */
export function record(
  result: Partial<BenchResult> & Pick<BenchResult, 'name' | 'value' | 'unit'>,
) {
  const full: BenchResult = {
    baseline: null,
    ratio: null,
    backend: null,
    adapter: null,
    note: '',
    ...result,
  };
  appendFileSync(RESULTS_JSONL, JSON.stringify(full) + '\n');
  return full;
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Times `fn` once (ms). */
export async function time(fn: () => unknown): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

export interface SideBySide {
  a: number[];
  b: number[];
  medianA: number;
  medianB: number;
  /** medianB / medianA: how many times faster A is than B. */
  ratio: number;
}

/**
 * Runs `a` and `b` alternately (`warmup` rounds discarded, then `runs` rounds), each returning
 * its own measurement in ms (or use `time`).
 */
export async function sideBySide(
  a: () => Promise<number>,
  b: () => Promise<number>,
  { runs = 5, warmup = 1 }: { runs?: number; warmup?: number } = {},
): Promise<SideBySide> {
  const ta: number[] = [];
  const tb: number[] = [];
  for (let i = 0; i < warmup + runs; i++) {
    const x = await a();
    const y = await b();
    if (i >= warmup) {
      ta.push(x);
      tb.push(y);
    }
  }
  const medianA = median(ta);
  const medianB = median(tb);
  return { a: ta, b: tb, medianA, medianB, ratio: medianB / medianA };
}

/** "software" for SwiftShader and other CPU adapters: never quote those as GPU speed. */
export function adapterLabel(
  adapter: { vendor?: string; architecture?: string; description?: string } | null,
) {
  if (!adapter) return null;
  const name = [adapter.vendor, adapter.architecture].filter(Boolean).join(' ');
  const software = /swiftshader|llvmpipe|software|cpu/i.test(
    `${name} ${adapter.description ?? ''}`,
  );
  return software ? `software (${name || 'SwiftShader'})` : name;
}

/**
 * A CPU-heavy process beside the bench (a busy loop in another Node process, one core), stopped by
 * its PID: the "busy machine" run of the CPU rows. Returns the function that stops it.
 */
export function startBusyNeighbour(): () => void {
  const child = spawn(
    process.execPath,
    ['-e', 'let x = 0; for (;;) { x = (x * 1103515245 + 12345) % 2147483648; }'],
    { stdio: 'ignore' },
  );
  return () => {
    if (child.pid) process.kill(child.pid);
  };
}
