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
 * The curves as the graph computes them: a clamp splits off the linear toe (exact), the power part
 * is a polynomial fitted (least squares on Chebyshev nodes, relative error for the decode) and
 * shifted to meet the toe exactly at the threshold. About 14 cheap element-wise ops each, against
 * Log/Exp/Where (or a per-element Gather, slower still in ORT's WASM kernels).
 * - encode: 1.055·l^(1/2.4) − 0.055 as a quartic in t = l^(1/4) (two Sqrt), t ∈ [0.236, 1];
 * - decode: ((x + 0.055)/1.055)^2.4 as a quintic in x ∈ [0.04045, 1].
 * Errors against the exact curves (float32, tested in compile-onnx.test.ts): encode ≤ 0.03/255,
 * decode ≤ 0.1% relative (≤ 0.03/255 after a round trip) — inside the 1/255 GPU/CPU agreement.
 * Coefficients are highest power first, the toe's offset folded into the constant.
 */
export const ENCODE = {
  threshold: 0.0031308,
  toe: 12.92,
  coefs: [0.078857041, -0.32937618, 1.11735202, 0.198038439, -0.105252239],
} as const;
export const DECODE = {
  threshold: 0.04045,
  toe: 1 / 12.92,
  coefs: [0.107923266, -0.351711143, 0.699162334, 0.510320845, 0.0336763048, -0.0022425385],
} as const;

/** c0·t^n + … + cn by Horner's rule. */
function horner(g: GraphBuilder, coefs: readonly number[], t: string): string {
  let r = g.op('Mul', [t, g.f32(coefs[0]!)]);
  for (let i = 1; i < coefs.length; i++) {
    r = g.op('Add', [r, g.f32(coefs[i]!)]);
    if (i < coefs.length - 1) r = g.op('Mul', [r, t]);
  }
  return r;
}

/** p(max(x, θ) mapped) + min(x, θ)·toe: the power part above θ, the linear toe below. */
function curve(
  g: GraphBuilder,
  x: string,
  c: typeof ENCODE | typeof DECODE,
  map: (v: string) => string,
): string {
  const hi = horner(g, c.coefs, map(g.op('Max', [x, g.f32(c.threshold)])));
  return g.op('Add', [hi, g.op('Mul', [g.op('Min', [x, g.f32(c.threshold)]), g.f32(c.toe)])]);
}

/** sRGB → linear light for values in [0, 1]. */
function toLinear(g: GraphBuilder, x: string): string {
  return curve(g, x, DECODE, (v) => v);
}

/** Linear light in [0, 1] → sRGB. */
function toSrgb(g: GraphBuilder, l: string): string {
  return curve(g, l, ENCODE, (v) => g.op('Sqrt', [g.op('Sqrt', [v])]));
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
  // Transpose, split and join on the 8-bit data (a quarter of the memory traffic of floats), all
  // four channels at once: planes are contiguous, so the split and the join are plain copies.
  const planes = g.op('Transpose', [image], { perm: { ints: [0, 3, 1, 2] } });
  const planar = g.op('Slice', [planes, g.i64([0]), g.i64([3]), g.i64([1])]);
  const alpha = g.op('Slice', [planes, g.i64([3]), g.i64([4]), g.i64([1])]);
  const shared = new Shared(g, planar, ctxIn);
  const entries = layout.entries;
  const linearAt = (k: number) => entries[k]?.def.space === 'linear';
  const inputs = entries.map((entry, k) =>
    g.input(uniformInputName(k), DT.float, [entry.uniforms.length]),
  );
  // Effects from..to-1 on x (sRGB in [0, 1], any shape that broadcasts with [1,3,1,1]). Adjacent
  // linear-light effects share one decode/encode pair: encoding then decoding between them is the
  // identity (each effect still clamps its result to [0, 1]).
  const run = (x: string, from: number, to: number) => {
    for (let k = from; k < to; k++) {
      if (linearAt(k) && (k === from || !linearAt(k - 1))) x = toLinear(g, x);
      x = applyEntry(shared, entries[k]!, inputs[k]!, x, models);
      if (linearAt(k) && (k === to - 1 || !linearAt(k + 1))) x = toSrgb(g, x);
    }
    return x;
  };
  // A leading run of channel-wise effects is computed on the 256 possible 8-bit values of each
  // channel (same ops, same numbers) and applied by one lookup on the 8-bit input. ORT's Gather
  // costs about ten cheap element-wise passes, so the table is used only when the run holds a
  // linear-light effect (about 30 passes: decode, effect, clamp, encode) or a curve (two Gathers).
  let lead = 0;
  while (lead < entries.length) {
    const def = entries[lead]!.def;
    if (def.kind !== 'point' || !def.channelwise) break;
    lead++;
  }
  const worthIt = entries
    .slice(0, lead)
    .some((e) => e.def.space === 'linear' || e.def.id === 'curve');
  if (!worthIt) lead = 0;
  let x: string;
  if (lead > 0) {
    const levels = Array.from({ length: 256 }, (_, v) => v / 255);
    const table = run(g.f32([...levels, ...levels, ...levels], [1, 3, 1, 256]), 0, lead);
    const index = g.op('Add', [
      g.op('Cast', [planar], { to: { i: DT.int32 } }),
      g.i32([0, 256, 512], [1, 3, 1, 1]),
    ]);
    x = g.op('Gather', [g.op('Reshape', [table, g.i64([768])]), index], { axis: { i: 0 } });
  } else {
    x = g.op('Div', [g.op('Cast', [planar], { to: { i: DT.float } }), g.f32(255)]);
  }
  x = run(x, lead, entries.length);
  // Every effect clamps its result (and the input is in [0, 1]), so no final clamp is needed.
  const bytes = g.op('Cast', [g.op('Round', [g.op('Mul', [x, g.f32(255)])])], {
    to: { i: DT.uint8 },
  });
  const rgba = g.op('Concat', [bytes, alpha], { axis: { i: 1 } });
  g.alias(g.op('Transpose', [rgba], { perm: { ints: [0, 2, 3, 1] } }), 'out');
  g.output('out', DT.uint8, [1, 'h', 'w', 4]);
  return g.encode();
}
