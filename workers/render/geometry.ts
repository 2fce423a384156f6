/**
 * A stack's geometry (crop, quarter turns, flips, straighten; src/shared/render-room/geometry.ts)
 * applied to the source as one bilinear resample of its sRGB values, before every stage: both
 * backends read the same framed pixels, so the GPU and CPU paths keep agreeing, and tiles and
 * region renders see one framed image. Turns, flips and crops without a straighten land on pixel
 * centres: the output is then an exact copy of source pixels.
 */
import {
  applyAffine,
  outputSize,
  outputToSource,
  type Geometry,
} from '../../src/shared/render-room/geometry';
import type { RgbaImage } from './image';

/** A rectangle of the output, in its whole pixels. */
export interface OutputRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * The pixels of `rect` (default: all) of `image` framed by `geometry`, bilinear in sRGB, edges
 * clamped. `image` itself when there is nothing to do.
 */
export function applyGeometry(
  image: RgbaImage,
  geometry: Geometry | null,
  rect?: OutputRect,
): RgbaImage {
  if (!geometry) return image;
  const size = outputSize(image, geometry);
  const r = rect ?? { x: 0, y: 0, ...size };
  const m = outputToSource(image, geometry);
  const { width: W, height: H, data: src } = image;
  const out = new Uint8Array(r.width * r.height * 4);
  for (let row = 0; row < r.height; row++) {
    const oy = r.y + row + 0.5;
    for (let col = 0; col < r.width; col++) {
      const p = applyAffine(m, r.x + col + 0.5, oy);
      // Pixel centres sit at +0.5: back to sample indices, clamped to the edge.
      const sx = Math.min(W - 1, Math.max(0, p.x - 0.5));
      const sy = Math.min(H - 1, Math.max(0, p.y - 0.5));
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      const x1 = fx > 0 ? x0 + 1 : x0;
      const y1 = fy > 0 ? y0 + 1 : y0;
      const i00 = (y0 * W + x0) * 4;
      const i10 = (y0 * W + x1) * 4;
      const i01 = (y1 * W + x0) * 4;
      const i11 = (y1 * W + x1) * 4;
      const o = (row * r.width + col) * 4;
      for (let c = 0; c < 4; c++) {
        const top = src[i00 + c]! + (src[i10 + c]! - src[i00 + c]!) * fx;
        const bottom = src[i01 + c]! + (src[i11 + c]! - src[i01 + c]!) * fx;
        out[o + c] = Math.round(top + (bottom - top) * fy);
      }
    }
  }
  return { width: r.width, height: r.height, data: out };
}
