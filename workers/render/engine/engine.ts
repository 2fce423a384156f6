/**
 * The CPU engine's host: instantiates the WebAssembly module (wasm/cpu-engine, ~18 KB: compiled
 * and instantiated in milliseconds, unlike ORT's runtime), lays out its memory for a crop and
 * runs a plan (./plan) on it, pass by pass. One engine renders one crop at a time; each lane has
 * its own. Pixels in, pixels out: the same contract as the ONNX stack model (RGBA8 crop with its
 * halo and its place in the image → RGBA8 crop).
 */
import wasmBytes from 'virtual:cpu-engine';
import { RenderError } from '../../../src/shared/errors/render';
import type { EnginePlan } from './plan';

/** What every area pass ends with: its run of point ops, where it writes, and its blend. */
type StepTail = [
  run: number,
  runLen: number,
  kind: number,
  dst: number,
  alpha: number,
  base: number,
];

interface Exports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  init(tables: number): void;
  frame(
    w: number,
    h: number,
    ox: number,
    oy: number,
    fw: number,
    fh: number,
    scratch: number,
  ): void;
  passPoint(src: number, run: number, runLen: number, dst: number): void;
  passUnpack(src: number, run: number, runLen: number, dst: number): void;
  unpackRows(run: number, runLen: number): void;
  blurRows(r: number, h: number): number;
  ringStride(w: number): number;
  passBlur(
    src: number,
    weights: number,
    r: number,
    threshold: number,
    mode: number,
    orig: number,
    amount: number,
    ring: number,
    rgba: number,
    ...step: StepTail
  ): void;
  passInk(
    src: number,
    luma: number,
    strength: number,
    sensitivity: number,
    ...step: StepTail
  ): void;
  passPixelate(src: number, size: number, ...step: StepTail): void;
}

/** What one engine run renders: a crop of an image through a plan. */
export interface EngineJob {
  plan: EnginePlan;
  pixels: Uint8Array;
  crop: { x: number; y: number; w: number; h: number };
  full: { width: number; height: number };
  /**
   * A buffer the result may be written into (one the caller is done with): used when it is the
   * result's size, so no new memory is touched. Writing a fresh 4 MB buffer costs ~14 ms of page
   * faults in Chromium here (a reused one ~0.1 ms), a third of a five-effect render at 1 MP.
   */
  into?: Uint8Array;
  /**
   * Pixels from one row of `pixels` to the next when not `crop.w`: `pixels` is then a view of a
   * larger image's rows (shared memory) from the crop's first pixel, read in place.
   */
  stride?: number;
}

const TABLE_BYTES = 2 * 4097 * 4;
/** Scratch rows are padded by the widest blur's reach on each side. */
const PAD_PIXELS = 2 * 128;
const PAGE = 65536;

let compiled: WebAssembly.Module | undefined;

/** The compiled module, shared by every engine in this thread. */
function engineModule(): WebAssembly.Module {
  return (compiled ??= new WebAssembly.Module(wasmBytes as BufferSource));
}

const align = (n: number) => Math.ceil(n / 16) * 16;

export class CpuEngine {
  readonly #x: Exports;
  readonly #base: number;

  /** @throws RenderError `cpu-failed` when this browser cannot run WebAssembly SIMD. */
  constructor() {
    try {
      const instance = new WebAssembly.Instance(engineModule(), {
        env: {
          abort: () => {
            throw new Error('The CPU engine stopped (abort).');
          },
        },
      });
      this.#x = instance.exports as unknown as Exports;
    } catch (cause) {
      throw new RenderError('cpu-failed', `The CPU engine could not start: ${String(cause)}`, {
        cause,
      });
    }
    const tables = align(this.#x.heapBase());
    this.#reserve(tables + TABLE_BYTES);
    this.#x.init(tables);
    this.#base = align(tables + TABLE_BYTES);
  }

  #reserve(bytes: number): void {
    const memory = this.#x.memory;
    const need = bytes - memory.buffer.byteLength;
    if (need > 0) memory.grow(Math.ceil(need / PAGE));
  }

  /** Renders `job` and returns the crop's new RGBA8 bytes (in `job.into` when it fits). */
  render(job: EngineJob): Uint8Array {
    const { plan, pixels, crop, full } = job;
    const { w, h } = crop;
    const x = this.#x;
    const px = w * h;
    let at = this.#base;
    const take = (bytes: number) => {
      const p = at;
      at = align(at + bytes);
      return p;
    };
    const scratch = take((4 * w + PAD_PIXELS) * 16);
    const runs = [plan.pre, ...plan.steps.map((s) => s.run)].map((r) => ({
      data: r,
      ptr: take(r.length * 4),
    }));
    const weights = plan.steps.map((s) => ('weights' in s ? take(s.weights.length * 4) : 0));
    const input = take(px * 4);
    const output = take(px * 4);
    const areas = plan.steps.length;
    // A plain blur first reads the input row by row (through the run before it): no f32x4 image.
    const first = plan.steps[0];
    const lazy = first !== undefined && first.kind === 'blur' && !first.blended;
    const images = areas > (lazy ? 1 : 0) ? [take(px * 16), take(px * 16)] : [];
    // A blur's ring of horizontally blurred rows (the widest blur's).
    const rows = Math.max(
      0,
      ...plan.steps.map((s) => ('weights' in s ? x.blurRows(s.weights.length - 1, h) : 0)),
    );
    const ring = rows > 0 ? take(rows * x.ringStride(w)) : 0;
    const luma = plan.steps.some((s) => s.kind === 'ink') ? take(px * 4) : 0;
    this.#reserve(at);

    const heap = x.memory.buffer;
    const f32 = new Float32Array(heap);
    for (const r of runs) f32.set(r.data, r.ptr / 4);
    plan.steps.forEach((s, k) => {
      if ('weights' in s) f32.set(s.weights, weights[k]! / 4);
    });
    const stride = job.stride ?? w;
    if (stride === w) new Uint8Array(heap, input, px * 4).set(pixels.subarray(0, px * 4));
    else {
      const heapBytes = new Uint8Array(heap);
      for (let row = 0; row < h; row++) {
        const from = row * stride * 4;
        heapBytes.set(pixels.subarray(from, from + w * 4), input + row * w * 4);
      }
    }
    x.frame(w, h, crop.x, crop.y, full.width, full.height, scratch);

    const pre = runs[0]!;
    if (areas === 0) {
      x.passPoint(input, pre.ptr, pre.data.length, output);
    } else {
      let cur = lazy ? input : images[0]!;
      if (lazy) x.unpackRows(pre.ptr, pre.data.length);
      else x.passUnpack(input, pre.ptr, pre.data.length, cur);
      plan.steps.forEach((s, k) => {
        const last = k === areas - 1;
        const dst = last ? output : cur === images[0] ? images[1]! : images[0]!;
        const kind = last ? 1 : 0;
        const run = runs[k + 1]!;
        const sink: StepTail = [run.ptr, run.data.length, kind, dst, input, s.blended ? cur : 0];
        if ('weights' in s) {
          const r = s.weights.length - 1;
          const threshold = s.kind === 'bloom' ? s.threshold : -1;
          const mode = s.kind === 'blur' ? 0 : s.kind === 'sharpen' ? 1 : 2;
          const rgba = cur === input ? 1 : 0;
          x.passBlur(cur, weights[k]!, r, threshold, mode, cur, s.amount, ring, rgba, ...sink);
        } else if (s.kind === 'ink') {
          x.passInk(cur, luma, s.strength, s.sensitivity, ...sink);
        } else {
          x.passPixelate(cur, s.size, ...sink);
        }
        cur = dst;
      });
    }
    const result = new Uint8Array(x.memory.buffer, output, px * 4);
    const into = job.into;
    if (into?.length !== px * 4) return result.slice();
    into.set(result);
    return into;
  }
}
