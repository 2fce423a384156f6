/**
 * The CPU engine for the classic effects (AssemblyScript → WebAssembly with SIMD; built by the
 * project's Vite plugin, see wasm/cpu-engine/build.ts). The host (workers/render/engine/) lays
 * out the memory and calls one pass per step of a stack's plan:
 *
 * - a *run* of point effects (exposure, contrast, … vignette) is applied to one row at a time in
 *   registers (one f32x4 per pixel: r, g, b and an unused lane), fused into whatever pass loads or
 *   stores that row: unpacking the RGBA8 input, the end of an area effect, packing the output;
 * - the per-channel effects a run starts with (exposure, contrast, curve, … and their sRGB decode
 *   and encode) are folded, where the input is RGBA8, into a table of the 256 byte values;
 * - area effects (blur, sharpen, bloom, ink, pixelate) are whole-crop passes over f32x4 images,
 *   with the Gaussian separable and symmetric (r + 1 multiplies per pixel and direction) in one
 *   sweep: each row blurred horizontally into a ring of rows, the vertical pass read from it; a
 *   plain blur first reads the RGBA8 input row by row through the run before it (unpackRows).
 *
 * The maths are the effect definitions' (src/shared/effects/*): every point effect clamps to
 * [0, 1]; linear-light effects decode sRGB, apply, clamp and encode (consecutive ones share one
 * decode and encode: encode∘decode is the identity); neighbourhoods clamp to the crop; alpha passes
 * through untouched (the output's alpha bytes are the input's).
 *
 * A run is f32s: [op, n, n uniforms, op, n, …]; op codes are `OP` in workers/render/engine/plan.ts.
 *
 * This file is the module's entry (its exports are the module's); the work is in ./frame (the crop,
 * sRGB tables, vector helpers), ./run (runs, unpacking, packing, sinks), ./blend (blend modes and
 * masks), ./hsl (the colour mixer) and ./area (the area effects).
 */

export { init, frame } from './frame';
export { passPoint, passUnpack, unpackRows } from './run';
export { blurRows, ringStride, passBlur, passInk, passPixelate } from './area';

/** Where the host may start laying out memory. */
export function heapBase(): usize {
  return __heap_base;
}
