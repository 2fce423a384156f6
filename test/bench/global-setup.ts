/**
 * `npm run bench`: every test/bench/*.bench.ts runs (one at a time) and calls `record()`; at the end
 * this writes bench-results.json and prints the table.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RESULTS_JSONL, type BenchResult } from './measure';

function fmt(n: number | null): string {
  if (n === null) return '';
  return Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 10 ? n.toFixed(1) : n.toFixed(2);
}

export default function setup() {
  rmSync(RESULTS_JSONL, { force: true });
  return () => {
    const rows: BenchResult[] = existsSync(RESULTS_JSONL)
      ? readFileSync(RESULTS_JSONL, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as BenchResult)
      : [];
    rmSync(RESULTS_JSONL, { force: true });
    writeFileSync(
      join(import.meta.dirname, '..', '..', 'bench-results.json'),
      JSON.stringify(rows, null, 2),
    );
    const table = rows.map((r) => ({
      name: r.name,
      value: `${fmt(r.value)} ${r.unit}`,
      baseline: r.baseline === null ? '' : `${fmt(r.baseline)} ${r.unit}`,
      ratio: r.ratio === null ? '' : `${fmt(r.ratio)}×`,
      backend: r.backend ?? '',
      adapter: r.adapter ?? '',
      note: r.note,
    }));
    console.log('\nAtelier benchmarks (bench-results.json)');
    console.table(table);
  };
}
