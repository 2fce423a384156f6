/**
 * An RGBA8 image kept in GPU memory between render stages (`GpuImage`), its rows in bands of
 * buffers, and the row copies between such an image and a tile's tightly packed buffer.
 */
import type { Rect } from './image';
import type { GpuRenderer } from './gpu';

/** One horizontal band of a `GpuImage`: rows `y … y + rows − 1` as RGBA8, tightly packed. */
export interface Band {
  y: number;
  rows: number;
  buffer: GPUBuffer;
}

/**
 * An RGBA8 image in GPU memory between render stages, its rows in bands of buffers (each at
 * most the band budget and the device's buffer size, so any image within the render budget
 * fits). Made and freed by a `GpuRenderer`; `release` is idempotent.
 */
export class GpuImage {
  readonly width: number;
  readonly height: number;
  readonly bands: readonly Band[];
  readonly #renderer: GpuRenderer;
  #released = false;

  constructor(renderer: GpuRenderer, width: number, height: number, bands: Band[]) {
    this.#renderer = renderer;
    this.width = width;
    this.height = height;
    this.bands = bands;
  }

  /** The band holding row `y`. */
  band(y: number): Band {
    for (const b of this.bands) if (y < b.y + b.rows) return b;
    throw new Error(`Row ${y} is outside a ${this.width}×${this.height} image.`);
  }

  /** A copy on the GPU (no readback). @throws RenderError `gpu-device-lost` */
  clone(): GpuImage {
    return this.#renderer.copyImage(this);
  }

  release(): void {
    if (this.#released) return;
    this.#released = true;
    for (const b of this.bands) this.#renderer.free(b.buffer);
  }
}

/**
 * Encodes row copies between a tightly packed buffer of `w`-wide rows and a GpuImage: row `r`
 * of the `rect` (image coordinates) is at row `r + dy`, column `dx` of the buffer. Rows that
 * are contiguous on both sides merge into one copy.
 */
export function copyRows(
  encoder: GPUCommandEncoder,
  image: GpuImage,
  rect: Rect,
  buffer: GPUBuffer,
  at: { w: number; dx: number; dy: number },
  toImage: boolean,
): void {
  let run: { band: Band; img: number; buf: number; size: number } | undefined;
  const flush = () => {
    if (!run) return;
    if (toImage) encoder.copyBufferToBuffer(buffer, run.buf, run.band.buffer, run.img, run.size);
    else encoder.copyBufferToBuffer(run.band.buffer, run.img, buffer, run.buf, run.size);
    run = undefined;
  };
  const size = rect.w * 4;
  for (let r = 0; r < rect.h; r++) {
    const y = rect.y + r;
    const band = image.band(y);
    const img = ((y - band.y) * image.width + rect.x) * 4;
    const buf = ((r + at.dy) * at.w + at.dx) * 4;
    if (run && run.band === band && run.img + run.size === img && run.buf + run.size === buf) {
      run.size += size;
    } else {
      flush();
      run = { band, img, buf, size };
    }
  }
  flush();
}
