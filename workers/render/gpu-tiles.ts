/**
 * One tile of the GPU render path: its crop loaded (an upload from memory, or copies out of a
 * previous stage's `GpuImage`), the plan's steps run on it (fused point dispatches, an area
 * effect's passes, a same-size network between its planar conversions) in the renderer's cached
 * tile buffers, and its result finished (its core copied into a `GpuImage`, or read back once).
 */
import type { GpuStep } from '../../src/shared/effects/wgsl';
import { RenderError } from '../../src/shared/errors/render';
import { cropImage, type RgbaImage, type Rect, type Tile } from './image';
import type { GpuContext } from './gpu-context';
import { GpuImage, copyRows } from './gpu-image';
import type { GpuNetworks } from './gpu-networks';
import { dispatch } from './gpu-pipelines';

/** The buffers a tile runs in, kept between renders while large enough. */
export interface TileBuffers {
  capacity: number;
  packedIn: GPUBuffer;
  packedOut: GPUBuffer;
  staging: GPUBuffer;
  images: GPUBuffer[];
  planar: GPUBuffer;
  params: GPUBuffer;
  paramsLength: number;
}

/** A renderer's cached `TileBuffers`, remade larger when a render needs more. */
export class TileBufferCache {
  readonly #ctx: GpuContext;
  #buffers: TileBuffers | undefined;

  constructor(ctx: GpuContext) {
    this.#ctx = ctx;
  }

  /** Buffers for crops of up to `pixels` and `paramsLength` uniform floats. */
  ensure(pixels: number, paramsLength: number): TileBuffers {
    const b = this.#buffers;
    if (b && b.capacity >= pixels && b.paramsLength >= paramsLength) return b;
    this.release();
    const make = (size: number, usage: number) => this.#ctx.make(size, usage);
    const STORAGE = GPUBufferUsage.STORAGE;
    const COPY_DST = GPUBufferUsage.COPY_DST;
    const COPY_SRC = GPUBufferUsage.COPY_SRC;
    const next: TileBuffers = {
      capacity: pixels,
      packedIn: make(pixels * 4, STORAGE | COPY_DST),
      packedOut: make(pixels * 4, STORAGE | COPY_SRC),
      staging: make(pixels * 4, GPUBufferUsage.MAP_READ | COPY_DST),
      images: [0, 1, 2, 3].map(() => make(pixels * 16, STORAGE | COPY_SRC | COPY_DST)),
      planar: make(pixels * 12, STORAGE | COPY_SRC | COPY_DST),
      params: make(paramsLength * 4, STORAGE | COPY_DST),
      paramsLength,
    };
    this.#buffers = next;
    return next;
  }

  /** Frees the cached buffers (if any). */
  release(): void {
    const b = this.#buffers;
    this.#buffers = undefined;
    if (!b) return;
    for (const buf of [b.packedIn, b.packedOut, b.staging, b.planar, b.params, ...b.images]) {
      this.#ctx.free(buf);
    }
  }
}

/** Puts the crop's RGBA8 words into `target`: an upload from memory, or copies on the GPU. */
export function loadCrop(
  ctx: GpuContext,
  encoder: GPUCommandEncoder,
  source: RgbaImage | GpuImage,
  crop: Rect,
  target: GPUBuffer,
): void {
  if (source instanceof GpuImage) {
    copyRows(encoder, source, crop, target, { w: crop.w, dx: 0, dy: 0 }, false);
    return;
  }
  const input = cropImage(source, crop);
  ctx.device.queue.writeBuffer(target, 0, input.buffer, input.byteOffset, crop.w * crop.h * 4);
  ctx.uploads++;
}

/**
 * Finishes a tile whose RGBA8 result (covering `tile.crop`) is in `result`: its core is copied
 * into `sink` on the GPU (and the queue drained, so progress and cancellation follow the GPU),
 * or, without a sink, read back once and returned.
 * @throws RenderError `gpu-device-lost`, `gpu-failed`
 */
export async function finishTile(
  ctx: GpuContext,
  encoder: GPUCommandEncoder,
  result: GPUBuffer,
  tile: Tile,
  sink: GpuImage | undefined,
  staging: GPUBuffer | undefined,
): Promise<Uint8Array | undefined> {
  const d = ctx.device;
  const { core, crop } = tile;
  if (sink) {
    copyRows(
      encoder,
      sink,
      core,
      result,
      { w: crop.w, dx: core.x - crop.x, dy: core.y - crop.y },
      true,
    );
    d.queue.submit([encoder.finish()]);
    await d.queue.onSubmittedWorkDone();
    ctx.check();
    return undefined;
  }
  const bytes = crop.w * crop.h * 4;
  encoder.copyBufferToBuffer(result, 0, staging!, 0, bytes);
  d.queue.submit([encoder.finish()]);
  try {
    ctx.readbacks++;
    await staging!.mapAsync(GPUMapMode.READ, 0, bytes);
  } catch (cause) {
    ctx.check();
    throw new RenderError('gpu-failed', `Reading the rendered tile back failed: ${String(cause)}`, {
      cause,
    });
  }
  const pixels = new Uint8Array(staging!.getMappedRange(0, bytes).slice(0));
  staging!.unmap();
  return pixels;
}

/**
 * One tile through the steps: its crop loaded from pixels or a GpuImage, its result copied
 * into `sink` (returns nothing) or read back (returns the crop's pixels).
 * @throws RenderError `gpu-device-lost`, `gpu-failed`
 */
export async function renderTile(
  ctx: GpuContext,
  networks: GpuNetworks,
  source: RgbaImage | GpuImage,
  tile: Tile,
  steps: GpuStep[],
  pipelines: GPUComputePipeline[][],
  b: TileBuffers,
  params: Float32Array,
  sink: GpuImage | undefined,
  /** Where the image sits in a larger frame (a region render; see TileHooks.frame). */
  origin: { x: number; y: number } = { x: 0, y: 0 },
): Promise<Uint8Array | undefined> {
  const d = ctx.device;
  const { crop } = tile;
  params.set([crop.w, crop.h, crop.x + origin.x, crop.y + origin.y], 0);
  d.queue.writeBuffer(b.params, 0, params);
  let encoder = d.createCommandEncoder();
  loadCrop(ctx, encoder, source, crop, b.packedIn);
  const run = (pipeline: GPUComputePipeline, bindings: Record<number, GPUBuffer>) =>
    dispatch(d, encoder, pipeline, bindings, crop.w, crop.h);
  // images[0] holds the current image; the others are the output and temporaries.
  const [a, bb, t1, t2] = b.images as [GPUBuffer, GPUBuffer, GPUBuffer, GPUBuffer];
  let cur = a;
  let next = bb;
  const last = steps.length - 1;
  for (let s = 0; s < steps.length; s++) {
    const step = steps[s]!;
    const ps = pipelines[s]!;
    if (step.kind === 'point') {
      const src = s === 0 ? b.packedIn : cur;
      const dst = s === last ? b.packedOut : next;
      run(ps[0]!, { 0: src, 1: dst, 2: b.params });
    } else if (step.kind === 'area') {
      const def = step.entry.def;
      if (def.kind !== 'area') throw new Error('unreachable');
      const named = { in: cur, t1, t2, out: next };
      def.passes.forEach((pass, k) => {
        const bindings: Record<number, GPUBuffer> = {
          0: named[pass.reads[0]!],
          1: named[pass.writes],
          2: b.params,
        };
        if (pass.reads[1]) bindings[3] = named[pass.reads[1]];
        run(ps[k]!, bindings);
      });
    } else {
      // A same-size network (e.g. Denoise): planar floats in, its GPU output mixed back in.
      const def = step.entry.def;
      if (def.kind !== 'neural') throw new Error('unreachable');
      run(ps[0]!, { 0: cur, 1: b.planar, 2: b.params });
      d.queue.submit([encoder.finish()]);
      const session = await networks.session(def.modelId);
      const ort = await networks.ort();
      const sigmaInput = def.denoise?.sigmaInput;
      const sigma = sigmaInput ? { input: sigmaInput, value: step.entry.uniforms[1]! } : undefined;
      const net = await networks.run(session, ort, b.planar, crop.w, crop.h, def.name, sigma);
      try {
        encoder = d.createCommandEncoder();
        run(ps[1]!, { 0: cur, 3: net.buffer, 1: next, 2: b.params });
        d.queue.submit([encoder.finish()]);
        await d.queue.onSubmittedWorkDone();
      } finally {
        net.dispose();
      }
      encoder = d.createCommandEncoder();
    }
    if (s !== last) [cur, next] = [next, cur];
  }
  return finishTile(ctx, encoder, b.packedOut, tile, sink, b.staging);
}
