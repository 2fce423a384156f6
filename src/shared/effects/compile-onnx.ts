/**
 * The CPU path's compiler: a whole stack becomes ONE ONNX model. The effects' subgraphs are
 * chained on a [1,3,H,W] float image; parameters are model inputs (`u0`, `u1`, … one uniforms
 * vector per effect), so a slider move re-runs the cached session of the same structure.
 *
 * Model inputs:  `image` uint8 [1,H,W,4] (RGBA, as ImageData), `ctx` float32 [4] =
 *                [tile x, tile y, image width, image height], `u<k>` float32 [n_k].
 * Model output:  `out` uint8 [1,H,W,4]; alpha is copied through.
 * Neural effects are inlined from their own ONNX graphs (contract: float32 [1,3,H,W] in [0, 1]).
 */
import type { OnnxCtx } from './defs';
import { DT, GraphBuilder, inlineModel, type DecodedModel } from './onnx-graph';
import type { LayoutEntry, StackLayout } from './registry';

const LUMA = [0.2126, 0.7152, 0.0722];

/** The exact sRGB curves (float64), the same constants as the WGSL. */
export function srgbToLinear(x: number): number {
  return x <= 0.04045 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
}

export function linearToSrgb(l: number): number {
  return l <= 0.0031308 ? l * 12.92 : 1.055 * l ** (1 / 2.4) - 0.055;
}

/**
 * Bins of the quantised curve lookups: a value v in [0, 1] reads entry floor(v · BINS), which holds
 * the curve at the middle of that bin (the last entry, v = 1, holds the curve at 1). The error is at
 * most half a bin times the curve's steepest slope: 12.92 / 2 / 65536 ≈ 0.025/255 when encoding to
 * 8-bit sRGB, 12.92 / 2 / 16384 ≈ 0.1/255 between effects, 2.3 / 2 / 16384 in linear light when
 * decoding — far inside the engine's 1/255 agreement with the GPU path's exact `pow` curves.
 */
export const OUT_BINS = 65536;
export const MID_BINS = 16384;

/** A quantised-curve table: `bins + 1` entries, see OUT_BINS. */
export function curveTable(f: (v: number) => number, bins: number): Float64Array {
  const t = new Float64Array(bins + 1);
  for (let i = 0; i < bins; i++) t[i] = f((i + 0.5) / bins);
  t[bins] = f(1);
  return t;
}

/** Gather from a table by floor(x · bins) (x in [0, 1]). */
function lookup(g: GraphBuilder, table: string, x: string, bins: number): string {
  const idx = g.op('Cast', [g.op('Mul', [x, g.f32(bins)])], { to: { i: DT.int32 } });
  return g.op('Gather', [table, idx], { axis: { i: 0 } });
}

function clamp01(g: GraphBuilder, x: string): string {
  return g.op('Clip', [x, g.f32(0, []), g.f32(1, [])]);
}

/** Graph-wide values computed once, on demand. */
class Shared {
  #cache = new Map<string, string>();
  constructor(
    readonly g: GraphBuilder,
    readonly x0: string,
    readonly ctxIn: string,
  ) {}

  #once(key: string, make: () => string): string {
    let v = this.#cache.get(key);
    if (!v) {
      v = make();
      this.#cache.set(key, v);
    }
    return v;
  }

  /** A float32 lookup table, added to the graph once. */
  table(key: string, make: () => Float32Array): string {
    return this.#once(`table:${key}`, () => this.g.f32Table(make()));
  }

  /** sRGB → linear light for values in [0, 1]. */
  toLinear(x: string): string {
    const t = this.table('lin', () => new Float32Array(curveTable(srgbToLinear, MID_BINS)));
    return lookup(this.g, t, x, MID_BINS);
  }

  /** Linear light in [0, 1] → sRGB. */
  toSrgb(x: string): string {
    const t = this.table('srgb', () => new Float32Array(curveTable(linearToSrgb, MID_BINS)));
    return lookup(this.g, t, x, MID_BINS);
  }

  ctxAt(i: number): string {
    return this.#once(`ctx${i}`, () =>
      this.g.op('Slice', [this.ctxIn, this.g.i64([i]), this.g.i64([i + 1]), this.g.i64([0])]),
    );
  }

  ctxInt(i: number): string {
    return this.#once(`ctxi${i}`, () =>
      this.g.op('Cast', [this.ctxAt(i)], { to: { i: DT.int64 } }),
    );
  }

  /** Tile height (axis 2) or width (axis 3) as an int64 scalar (rank 0). */
  dim(axis: 2 | 3): string {
    return this.#once(`dim${axis}`, () =>
      this.g.op('Gather', [this.g.op('Shape', [this.x0]), this.g.i64(axis, [])], {
        axis: { i: 0 },
      }),
    );
  }

  /** Global integer coordinates along an axis, shaped for broadcasting. */
  intCoord(axis: 2 | 3): string {
    return this.#once(`ic${axis}`, () => {
      const g = this.g;
      const range = g.op('Range', [g.i64(0, []), this.dim(axis), g.i64(1, [])]);
      const global = g.op('Add', [range, this.ctxInt(axis === 3 ? 0 : 1)]);
      return g.op('Reshape', [global, g.i64(axis === 3 ? [1, 1, 1, -1] : [1, 1, -1, 1])]);
    });
  }

  floatCoord(axis: 2 | 3): string {
    return this.#once(`fc${axis}`, () =>
      this.g.op('Cast', [this.intCoord(axis)], { to: { i: DT.float } }),
    );
  }

  size(axis: 2 | 3): string {
    return this.#once(`sz${axis}`, () => this.g.op('Reshape', [this.dim(axis), this.g.i64([1])]));
  }
}

function makeCtx(shared: Shared, u: string): OnnxCtx {
  const { g } = shared;
  const slices = new Map<string, string>();
  const slice = (i: number, n: number) => {
    const key = `${i}:${n}`;
    let v = slices.get(key);
    if (!v) {
      v = g.op('Slice', [u, g.i64([i]), g.i64([i + n]), g.i64([0])]);
      slices.set(key, v);
    }
    return v;
  };
  const luma = (x: string) =>
    g.op('ReduceSum', [g.op('Mul', [x, g.f32(LUMA, [1, 3, 1, 1])]), g.i64([1])], {
      keepdims: { i: 1 },
    });
  const conv1d = (x: string, w: string, k: number, horizontal: boolean) =>
    g.op('Conv', [x, w], {
      kernel_shape: { ints: horizontal ? [1, k] : [k, 1] },
      strides: { ints: [1, 1] },
      pads: { ints: [0, 0, 0, 0] },
      dilations: { ints: [1, 1] },
      group: { i: 3 },
    });
  return {
    g,
    all: u,
    slice,
    scalar: (i) => slice(i, 1),
    vec3: (i) => g.op('Reshape', [slice(i, 3), g.i64([1, 3, 1, 1])]),
    coords: () => ({ x: shared.floatCoord(3), y: shared.floatCoord(2) }),
    intCoords: () => ({ x: shared.intCoord(3), y: shared.intCoord(2) }),
    full: () => ({
      w: shared.ctxAt(2),
      h: shared.ctxAt(3),
      wi: shared.ctxInt(2),
      hi: shared.ctxInt(3),
    }),
    offset: () => ({ x: shared.ctxInt(0), y: shared.ctxInt(1) }),
    size: () => ({ w: shared.size(3), h: shared.size(2) }),
    luma,
    blur: (x, radius, at) => {
      if (radius === 0) return x;
      const k = 2 * radius + 1;
      const w = slice(at + 1, k);
      const wh = g.op('Expand', [g.op('Reshape', [w, g.i64([1, 1, 1, k])]), g.i64([3, 1, 1, k])]);
      const wv = g.op('Expand', [g.op('Reshape', [w, g.i64([1, 1, k, 1])]), g.i64([3, 1, k, 1])]);
      const padW = g.op('Pad', [x, g.i64([0, 0, 0, radius, 0, 0, 0, radius])], {
        mode: { s: 'edge' },
      });
      const h = conv1d(padW, wh, k, true);
      const padH = g.op('Pad', [h, g.i64([0, 0, radius, 0, 0, 0, radius, 0])], {
        mode: { s: 'edge' },
      });
      return conv1d(padH, wv, k, false);
    },
  };
}

/** Applies one effect to `x`, which is in linear light when the effect's space is linear. */
function applyEntry(
  shared: Shared,
  entry: LayoutEntry,
  u: string,
  x: string,
  models: ReadonlyMap<string, DecodedModel>,
): string {
  const { g } = shared;
  const ctx = makeCtx(shared, u);
  const def = entry.def;
  if (def.kind === 'neural') {
    const model = models.get(def.modelId);
    if (!model) throw new Error(`The model “${def.modelId}” was not loaded.`);
    const y = clamp01(g, inlineModel(g, model, x));
    return clamp01(g, g.op('Add', [x, g.op('Mul', [g.op('Sub', [y, x]), ctx.scalar(0)])]));
  }
  return clamp01(g, def.kind === 'point' ? def.onnx(ctx, x) : def.onnx(ctx, x, entry.params));
}

/** Names of the uniforms inputs, in stack order. */
export function uniformInputName(index: number): string {
  return `u${index}`;
}

/**
 * Compiles a stack layout into an ONNX model (bytes).
 * @throws Error when a neural effect's model is missing from `models`.
 */
export function compileStack(
  layout: StackLayout,
  models: ReadonlyMap<string, DecodedModel> = new Map(),
): Uint8Array {
  const g = new GraphBuilder();
  const image = g.input('image', DT.uint8, [1, 'h', 'w', 4]);
  const ctxIn = g.input('ctx', DT.float, [4]);
  // Split, transpose and join on the 8-bit data: a quarter of the memory traffic of floats.
  const rgb = g.op('Slice', [image, g.i64([0]), g.i64([3]), g.i64([3])]);
  const alpha = g.op('Slice', [image, g.i64([3]), g.i64([4]), g.i64([3])]);
  const planar = g.op('Transpose', [rgb], { perm: { ints: [0, 3, 1, 2] } });
  const shared = new Shared(g, planar, ctxIn);
  const linearAt = (k: number) => layout.entries[k]?.def.space === 'linear';
  // The 8-bit input is decoded by a 256-entry table: exact, to linear light when the first effect
  // works there, else to [0, 1].
  const byte = Array.from({ length: 256 }, (_, v) =>
    linearAt(0) ? srgbToLinear(v / 255) : v / 255,
  );
  const table256 = g.f32Table(new Float32Array(byte));
  let x = g.op('Gather', [table256, g.op('Cast', [planar], { to: { i: DT.int32 } })], {
    axis: { i: 0 },
  });
  // Adjacent linear-light effects share one decode/encode pair: encoding then decoding between
  // them is the identity (each effect still clamps its result to [0, 1]).
  const last = layout.entries.length - 1;
  layout.entries.forEach((entry, k) => {
    if (k > 0 && linearAt(k) && !linearAt(k - 1)) x = shared.toLinear(x);
    const u = g.input(uniformInputName(k), DT.float, [entry.uniforms.length]);
    x = applyEntry(shared, entry, u, x, models);
    if (k < last && linearAt(k) && !linearAt(k + 1)) x = shared.toSrgb(x);
  });
  // Every effect clamps its result (and the input is in [0, 1]), so no final clamp is needed.
  let bytes: string;
  if (linearAt(last)) {
    // Encode straight to 8-bit sRGB by one table lookup.
    const curve = curveTable((l) => Math.round(255 * linearToSrgb(l)), OUT_BINS);
    bytes = lookup(g, g.u8(Uint8Array.from(curve)), x, OUT_BINS);
  } else {
    bytes = g.op('Cast', [g.op('Round', [g.op('Mul', [x, g.f32(255)])])], {
      to: { i: DT.uint8 },
    });
  }
  const nhwc = g.op('Transpose', [bytes], { perm: { ints: [0, 2, 3, 1] } });
  g.alias(g.op('Concat', [nhwc, alpha], { axis: { i: 3 } }), 'out');
  g.output('out', DT.uint8, [1, 'h', 'w', 4]);
  return g.encode();
}
