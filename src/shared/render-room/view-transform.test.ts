import { describe, expect, it } from 'vitest';
import {
  centreOn,
  clampView,
  fitScale,
  fitView,
  levelFor,
  levelRegion,
  padRect,
  panBy,
  stepZoom,
  visibleRect,
  zoomAbout,
} from './view-transform';

const work = { width: 4000, height: 3000 };
const box = { width: 800, height: 500 };

describe('view transform', () => {
  it('fits the whole work, limited by the tighter axis, centred', () => {
    expect(fitScale(work, box)).toBeCloseTo(500 / 3000);
    const v = fitView(work, box);
    expect(v.y).toBeCloseTo(0);
    expect(v.x).toBeCloseTo((800 - 4000 * (500 / 3000)) / 2);
    // A tiny work grows at most to 8 device px per pixel.
    expect(fitScale({ width: 10, height: 10 }, box, 2)).toBe(4);
  });

  it('zooms about a point: the source pixel under it stays put', () => {
    const v0 = fitView(work, box);
    const point = { x: 300, y: 200 };
    const sx = (point.x - v0.x) / v0.scale;
    const sy = (point.y - v0.y) / v0.scale;
    const v1 = zoomAbout(v0, 1, point, work, box);
    expect(v1.scale).toBe(1);
    expect((point.x - v1.x) / v1.scale).toBeCloseTo(sx);
    expect((point.y - v1.y) / v1.scale).toBeCloseTo(sy);
  });

  it('never zooms out past fit nor in past 16×, device pixels counted', () => {
    const v0 = fitView(work, box);
    expect(zoomAbout(v0, 0.001, { x: 0, y: 0 }, work, box).scale).toBeCloseTo(v0.scale);
    expect(zoomAbout(v0, 100, { x: 0, y: 0 }, work, box, 2).scale).toBe(8);
  });

  it('clamps pan to the work’s edges and centres a small axis', () => {
    const v = { scale: 1, x: 0, y: 0 };
    expect(panBy(v, 50, 50, work, box)).toEqual({ scale: 1, x: 0, y: 0 });
    expect(panBy(v, -1e6, -1e6, work, box)).toEqual({ scale: 1, x: 800 - 4000, y: 500 - 3000 });
    const narrow = clampView({ scale: 0.1, x: -999, y: 3 }, work, box);
    expect(narrow.x).toBeCloseTo((800 - 400) / 2);
    expect(narrow.y).toBeCloseTo((500 - 300) / 2);
  });

  it('gives the source rectangle in view, inside the work', () => {
    expect(visibleRect({ scale: 1, x: -1000, y: -200 }, work, box)).toEqual({
      x: 1000,
      y: 200,
      width: 800,
      height: 500,
    });
    expect(visibleRect({ scale: 2, x: -1001, y: 0 }, work, box)).toEqual({
      x: 500,
      y: 0,
      width: 401,
      height: 250,
    });
    expect(visibleRect(fitView(work, box), work, box)).toEqual({
      x: 0,
      y: 0,
      width: 4000,
      height: 3000,
    });
    expect(padRect({ x: 10, y: 2990, width: 100, height: 5 }, 32, work)).toEqual({
      x: 0,
      y: 2958,
      width: 142,
      height: 42,
    });
  });

  it('steps between zoom levels and centres on a source point', () => {
    expect(stepZoom(1, 1)).toBe(1.5);
    expect(stepZoom(1, -1)).toBeCloseTo(2 / 3);
    expect(stepZoom(0.3, 1)).toBeCloseTo(1 / 3);
    expect(stepZoom(16, 1)).toBe(16);
    const v = centreOn({ scale: 1, x: 0, y: 0 }, 2000, 1500, work, box);
    expect(v).toEqual({ scale: 1, x: 400 - 2000, y: 250 - 1500 });
  });

  it('renders a zoomed view at the next power-of-two level up, full size from 100 %', () => {
    expect(levelFor(1)).toBe(1);
    expect(levelFor(3)).toBe(1);
    expect(levelFor(0.6)).toBe(1);
    expect(levelFor(0.5)).toBe(0.5);
    expect(levelFor(0.3)).toBe(0.5);
    expect(levelFor(0.25)).toBe(0.25);
    expect(levelFor(0.2)).toBe(0.25);
  });

  it('maps the part in view to level pixels, outward-rounded, with a margin, inside the level', () => {
    const level = { width: 2000, height: 1500 };
    expect(levelRegion({ x: 101, y: 51, width: 400, height: 300 }, 0.5, level, 10)).toEqual({
      x: 40,
      y: 15,
      width: 221,
      height: 171,
    });
    // At the work's corner the margin is cut off by the level's edge.
    expect(levelRegion({ x: 0, y: 0, width: 10, height: 10 }, 1, level, 48)).toEqual({
      x: 0,
      y: 0,
      width: 58,
      height: 58,
    });
    expect(levelRegion({ x: 3990, y: 2990, width: 10, height: 10 }, 0.5, level, 4)).toEqual({
      x: 1991,
      y: 1491,
      width: 9,
      height: 9,
    });
    expect(levelRegion({ x: 5000, y: 0, width: 10, height: 10 }, 0.5, level, 0)).toBeNull();
  });
});
