/**
 * Plain RGBA8 images and the tiling plan: an image above the pixel budget renders in tiles whose
 * crops overlap by the stack's reach (the halo), so every kept pixel saw its whole neighbourhood
 * and seams are invisible. Tiles are cut in global coordinates; effects that depend on position
 * (vignette, grain, pixelate) receive the tile's origin and the image's size. A scaler's tiles are
 * planned on its input (halo in input pixels) and mapped to output tiles by `scaleTile`.
 */
import { isShared } from '../../src/shared/compute/shared-pixels';
import { RenderError } from '../../src/shared/errors/render';

export interface RgbaImage {
  width: number;
  height: number;
  /** width × height × 4 bytes, RGBA, row-major, not premultiplied. */
  data: Uint8Array | Uint8ClampedArray;
}

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface Tile {
  /** The pixels this tile produces. */
  core: Rect;
  /** The pixels it reads: the core plus the halo, clipped to the image. */
  crop: Rect;
}

/** @throws RenderError `invalid-image` */
export function checkImage(image: RgbaImage): void {
  const { width, height, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RenderError('invalid-image', 'The image has no pixels.', {
      details: { width, height },
    });
  }
  if (data.length !== width * height * 4) {
    throw new RenderError(
      'invalid-image',
      `The pixel buffer holds ${data.length} bytes; a ${width}×${height} RGBA image needs ${width * height * 4}.`,
      { details: { width, height, bytes: data.length } },
    );
  }
}

/** The fewest core pixels a band gets when an image is cut for parallel lanes. */
export const MIN_BAND_PIXELS = 1 << 16;

/**
 * Cuts `width`×`height` into tiles whose crops (core + `halo` on each side) stay within
 * `budget` pixels when possible. With `parallel` > 1 (the CPU path's lanes render tiles side by
 * side) an image that fits a few crops is cut into full-width bands instead, one or two per lane,
 * so every lane gets an equal share; tiny images and bands thinner than their halos stay whole.
 */
export function planTiles(
  width: number,
  height: number,
  halo: number,
  budget: number,
  parallel = 1,
): Tile[] {
  const bands = parallel > 1 ? planBands(width, height, halo, budget, parallel) : null;
  if (bands) return bands;
  if (width * height <= budget) {
    const all = { x: 0, y: 0, w: width, h: height };
    return [{ core: all, crop: all }];
  }
  const side = Math.max(16, Math.floor(Math.sqrt(budget)) - 2 * halo);
  const tiles: Tile[] = [];
  for (let y = 0; y < height; y += side) {
    for (let x = 0; x < width; x += side) {
      const core = { x, y, w: Math.min(side, width - x), h: Math.min(side, height - y) };
      const cx = Math.max(0, x - halo);
      const cy = Math.max(0, y - halo);
      const crop = {
        x: cx,
        y: cy,
        w: Math.min(width, x + core.w + halo) - cx,
        h: Math.min(height, y + core.h + halo) - cy,
      };
      tiles.push({ core, crop });
    }
  }
  return tiles;
}

/** One or two (or twice as many) full-width bands per lane whose crops fit `budget`, or null. */
function planBands(
  width: number,
  height: number,
  halo: number,
  budget: number,
  parallel: number,
): Tile[] | null {
  const lanes = Math.min(parallel, Math.floor((width * height) / MIN_BAND_PIXELS));
  if (lanes < 2) return null;
  // Two bands a lane while they stay big and their halos small: a lane slowed by other work
  // (the page, a GC) then leaves its second band to the others.
  const two = width * height >= 2 * lanes * MIN_BAND_PIXELS && height >= 2 * lanes * 8 * halo;
  for (const count of two ? [2 * lanes, 4 * lanes] : [lanes, 2 * lanes]) {
    const rows = Math.ceil(height / count);
    // Halos wider than the core would double the work: render whole (or in the budget's tiles).
    if (rows < 2 * halo) return null;
    if (width * (rows + 2 * halo) > budget) continue;
    const tiles: Tile[] = [];
    for (let y = 0; y < height; y += rows) {
      const core = { x: 0, y, w: width, h: Math.min(rows, height - y) };
      const cy = Math.max(0, y - halo);
      const crop = { x: 0, y: cy, w: width, h: Math.min(height, y + core.h + halo) - cy };
      tiles.push({ core, crop });
    }
    return tiles;
  }
  return null;
}

/**
 * The output tile of a scaler (an upscale `factor`× ) for an input tile: the core and the crop
 * scaled, so `pasteTile(out, width × factor, scaleTile(t, f), network(crop))` keeps the output
 * pixels whose input neighbourhood (`halo` input px) was whole.
 */
export function scaleTile(tile: Tile, factor: number): Tile {
  const s = (r: Rect): Rect => ({
    x: r.x * factor,
    y: r.y * factor,
    w: r.w * factor,
    h: r.h * factor,
  });
  return { core: s(tile.core), crop: s(tile.crop) };
}

/** Copies `rect` out of `image` into a new tightly packed buffer. */
export function cropImage(image: RgbaImage, rect: Rect): Uint8Array {
  if (rect.x === 0 && rect.y === 0 && rect.w === image.width && rect.h === image.height) {
    return new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  }
  const out = new Uint8Array(rect.w * rect.h * 4);
  const src = image.data;
  for (let row = 0; row < rect.h; row++) {
    const from = ((rect.y + row) * image.width + rect.x) * 4;
    out.set(src.subarray(from, from + rect.w * 4), row * rect.w * 4);
  }
  return out;
}

/** A crop's pixels for a renderer: `stride` pixels from one row's start to the next's. */
export interface LaneCrop {
  pixels: Uint8Array;
  /** Fresh memory the caller may transfer. */
  owned: boolean;
  stride: number;
}

/**
 * The pixels of `rect` for another thread: a full-width band of an image in shared memory is a
 * view (posting it shares it, no copy); anything else a fresh copy (`owned`: it may be
 * transferred). `strided`: the reader takes rows `stride` apart (the CPU engine), so any crop of
 * shared pixels is a view too — from its first pixel to its last row's end — and no tile is
 * copied (a fresh 4 MB copy costs ~14 ms of page faults in Chromium here).
 */
export function cropForLane(image: RgbaImage, rect: Rect, strided = false): LaneCrop {
  const shared = isShared(image.data);
  if (shared && ((rect.x === 0 && rect.w === image.width) || strided)) {
    const { data } = image;
    const view = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const from = (rect.y * image.width + rect.x) * 4;
    const to = ((rect.y + rect.h - 1) * image.width + rect.x + rect.w) * 4;
    return { pixels: view.subarray(from, to), owned: false, stride: image.width };
  }
  const pixels = cropImage(image, rect);
  return { pixels, owned: pixels.buffer !== image.data.buffer, stride: rect.w };
}

/**
 * Writes the core of a rendered tile (whose pixels cover `tile.crop`) into `out`: a band as wide
 * as the image in one copy, other tiles row by row.
 */
export function pasteTile(out: Uint8Array, width: number, tile: Tile, pixels: Uint8Array): void {
  const { core, crop } = tile;
  const dx = core.x - crop.x;
  const dy = core.y - crop.y;
  if (core.w === width && crop.w === width) {
    const from = dy * crop.w * 4;
    out.set(pixels.subarray(from, from + core.h * width * 4), core.y * width * 4);
    return;
  }
  for (let row = 0; row < core.h; row++) {
    const from = ((dy + row) * crop.w + dx) * 4;
    out.set(pixels.subarray(from, from + core.w * 4), ((core.y + row) * width + core.x) * 4);
  }
}

/** Box-filter downscale (previews); returns the image itself when no smaller size is asked. */
export function downscale(image: RgbaImage, width: number, height: number): RgbaImage {
  if (width >= image.width && height >= image.height) return image;
  const out = new Uint8Array(width * height * 4);
  const sx = image.width / width;
  const sy = image.height / height;
  for (let y = 0; y < height; y++) {
    const y0 = Math.floor(y * sy);
    const y1 = Math.max(y0 + 1, Math.floor((y + 1) * sy));
    for (let x = 0; x < width; x++) {
      const x0 = Math.floor(x * sx);
      const x1 = Math.max(x0 + 1, Math.floor((x + 1) * sx));
      let r = 0,
        g = 0,
        b = 0,
        a = 0;
      for (let yy = y0; yy < y1; yy++) {
        for (let xx = x0; xx < x1; xx++) {
          const i = (yy * image.width + xx) * 4;
          r += image.data[i]!;
          g += image.data[i + 1]!;
          b += image.data[i + 2]!;
          a += image.data[i + 3]!;
        }
      }
      const n = (y1 - y0) * (x1 - x0);
      const o = (y * width + x) * 4;
      out[o] = Math.round(r / n);
      out[o + 1] = Math.round(g / n);
      out[o + 2] = Math.round(b / n);
      out[o + 3] = Math.round(a / n);
    }
  }
  return { width, height, data: out };
}
