/** Pixel comparisons shared by the render tests. */
import { expect } from 'vitest';

/** The largest per-byte difference between two equally long pixel arrays (fails if lengths differ). */
export function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
