/**
 * Tone curves: control points → a 256-entry lookup table (monotone cubic, Fritsch–Carlson, so the
 * curve never overshoots between points). Both render paths read the same table and interpolate
 * linearly between its entries, so the GPU and CPU agree exactly on the curve's shape.
 */

export const CURVE_LUT_SIZE = 256;

/** `[x0, y0, x1, y1, …]` → sorted points with x in [0, 1], duplicates of x dropped. */
export function curvePoints(flat: number[]): { x: number; y: number }[] {
  const points: { x: number; y: number }[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const x = Math.min(1, Math.max(0, flat[i]!));
    const y = Math.min(1, Math.max(0, flat[i + 1]!));
    points.push({ x, y });
  }
  points.sort((a, b) => a.x - b.x);
  return points.filter((p, i) => i === 0 || p.x > points[i - 1]!.x);
}

/** Evaluates the monotone cubic through `flat` at 256 evenly spaced inputs. */
export function curveLut(flat: number[]): Float32Array {
  const pts = curvePoints(flat);
  const lut = new Float32Array(CURVE_LUT_SIZE);
  if (pts.length === 0) {
    for (let i = 0; i < lut.length; i++) lut[i] = i / (lut.length - 1);
    return lut;
  }
  if (pts.length === 1) return lut.fill(pts[0]!.y);
  const n = pts.length;
  const d: number[] = [];
  for (let i = 0; i < n - 1; i++) d.push((pts[i + 1]!.y - pts[i]!.y) / (pts[i + 1]!.x - pts[i]!.x));
  const m: number[] = [d[0]!];
  for (let i = 1; i < n - 1; i++) m.push(d[i - 1]! * d[i]! <= 0 ? 0 : (d[i - 1]! + d[i]!) / 2);
  m.push(d[n - 2]!);
  for (let i = 0; i < n - 1; i++) {
    if (d[i] === 0) {
      m[i] = 0;
      m[i + 1] = 0;
      continue;
    }
    const a = m[i]! / d[i]!;
    const b = m[i + 1]! / d[i]!;
    const s = a * a + b * b;
    if (s > 9) {
      const t = 3 / Math.sqrt(s);
      m[i] = t * a * d[i]!;
      m[i + 1] = t * b * d[i]!;
    }
  }
  let k = 0;
  for (let i = 0; i < lut.length; i++) {
    const x = i / (lut.length - 1);
    let y: number;
    if (x <= pts[0]!.x) y = pts[0]!.y;
    else if (x >= pts[n - 1]!.x) y = pts[n - 1]!.y;
    else {
      while (x > pts[k + 1]!.x) k++;
      const h = pts[k + 1]!.x - pts[k]!.x;
      const t = (x - pts[k]!.x) / h;
      const t2 = t * t;
      const t3 = t2 * t;
      y =
        (2 * t3 - 3 * t2 + 1) * pts[k]!.y +
        (t3 - 2 * t2 + t) * h * m[k]! +
        (-2 * t3 + 3 * t2) * pts[k + 1]!.y +
        (t3 - t2) * h * m[k + 1]!;
    }
    lut[i] = Math.min(1, Math.max(0, y));
  }
  return lut;
}
