import { describe, expect, it } from 'vitest';
import { cleanMask } from '../render-room/stack-edit';
import { BRUSH_GRID, brushFalloff, brushGrid, rasterBrush, sampleBrush } from './brush';
import type { BrushMask, BrushStroke } from './types';

const G = BRUSH_GRID;
const brush = (strokes: BrushStroke[], aspect = 1): BrushMask => ({
  kind: 'brush',
  aspect,
  strokes,
});
/** The grid's value at the cell nearest fraction (x, y). */
const at = (grid: Float32Array, x: number, y: number) =>
  grid[Math.min(G - 1, Math.floor(y * G)) * G + Math.min(G - 1, Math.floor(x * G))]!;

describe('brush masks', () => {
  it('falls off from full inside the hardness to none at the radius', () => {
    expect(brushFalloff(0, 0.5)).toBe(1);
    expect(brushFalloff(0.5, 0.5)).toBe(1);
    expect(brushFalloff(0.75, 0.5)).toBeCloseTo(0.5, 5);
    expect(brushFalloff(1, 0.5)).toBe(0);
    expect(brushFalloff(0.2, 0)).toBeLessThan(1);
    expect(brushFalloff(0.99, 1)).toBe(1);
  });

  it('a dab covers its circle and nothing else', () => {
    const grid = rasterBrush(brush([{ points: [0.5, 0.5], size: 0.1, hardness: 1 }]));
    expect(at(grid, 0.5, 0.5)).toBe(1);
    expect(at(grid, 0.56, 0.5)).toBe(1);
    expect(at(grid, 0.5, 0.44)).toBe(1);
    expect(at(grid, 0.62, 0.5)).toBe(0);
    expect(at(grid, 0.1, 0.1)).toBe(0);
    const covered = grid.reduce((n, v) => n + v, 0) / (G * G);
    expect(covered).toBeCloseTo(Math.PI * 0.01, 2);
  });

  it('stays round on a wide image: half as wide in fractions of the width', () => {
    const grid = rasterBrush(brush([{ points: [0.5, 0.5], size: 0.2, hardness: 1 }], 2));
    expect(at(grid, 0.5, 0.68)).toBe(1);
    expect(at(grid, 0.59, 0.5)).toBe(1);
    expect(at(grid, 0.62, 0.5)).toBe(0);
  });

  it('a stroke covers the line between its points; an eraser takes it back', () => {
    const line: BrushStroke = { points: [0.1, 0.5, 0.9, 0.5], size: 0.05, hardness: 0.8 };
    const painted = rasterBrush(brush([line]));
    for (const x of [0.15, 0.3, 0.5, 0.7, 0.85]) expect(at(painted, x, 0.5)).toBe(1);
    expect(at(painted, 0.5, 0.6)).toBe(0);
    const erased = rasterBrush(
      brush([line, { points: [0.5, 0.1, 0.5, 0.9], size: 0.05, hardness: 1, erase: true }]),
    );
    expect(at(erased, 0.5, 0.5)).toBe(0);
    expect(at(erased, 0.3, 0.5)).toBe(1);
    // Painted again after the eraser, it shows again: strokes apply in order.
    const again = rasterBrush(
      brush([
        line,
        { points: [0.5, 0.1, 0.5, 0.9], size: 0.05, hardness: 1, erase: true },
        { points: [0.5, 0.5], size: 0.03, hardness: 1 },
      ]),
    );
    expect(at(again, 0.5, 0.5)).toBe(1);
  });

  it('samples at cell centres exactly and mixes between them', () => {
    const grid = rasterBrush(brush([{ points: [0.3, 0.3, 0.7, 0.6], size: 0.1, hardness: 0 }]));
    // In a frame G pixels square, pixel centres are cell centres; in one 2G square, pixel 2i + 1
    // lies between cells i and i + 1.
    for (const [i, j] of [
      [80, 80],
      [128, 120],
      [10, 200],
    ] as const) {
      expect(sampleBrush(grid, i, j, G, G)).toBeCloseTo(grid[j * G + i]!, 6);
    }
    const mid = sampleBrush(grid, 2 * 100 + 1, 2 * 100 + 1, 2 * G, 2 * G);
    const lo = Math.min(grid[100 * G + 100]!, grid[101 * G + 101]!);
    const hi = Math.max(grid[100 * G + 100]!, grid[101 * G + 101]!);
    expect(mid).toBeGreaterThanOrEqual(lo - 1e-6);
    expect(mid).toBeLessThanOrEqual(hi + 1e-6);
  });

  it('remembers a mask so that a slider move does not paint it again', () => {
    const mask = brush([{ points: [0.5, 0.5], size: 0.1, hardness: 1 }]);
    expect(brushGrid(mask)).toBe(brushGrid(mask));
    expect(brushGrid(structuredClone(mask))).toBe(brushGrid(mask));
  });

  it('cleans stored masks: bad strokes are dropped, numbers kept in range', () => {
    const cleaned = cleanMask({
      kind: 'brush',
      aspect: 1.5,
      strokes: [
        { points: [0.2, 0.2, 0.4, 0.4], size: 5, hardness: 2, erase: true },
        { points: [0.2], size: 0.1, hardness: 0.5 },
        { points: [0.2, 'x'], size: 0.1, hardness: 0.5 },
        { points: [0.5, 0.5], size: Number.NaN, hardness: 0.5 },
        'junk',
      ],
    });
    expect(cleaned).toEqual({
      kind: 'brush',
      aspect: 1.5,
      strokes: [{ points: [0.2, 0.2, 0.4, 0.4], size: 1, hardness: 1, erase: true }],
    });
    expect(cleanMask({ kind: 'brush', aspect: 'wide', strokes: [] })).toBeNull();
  });
});
