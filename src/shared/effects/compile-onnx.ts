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
import { LUMA } from './common';
import type { OnnxCtx } from './defs';
import { DT, GraphBuilder, inlineModel, lookup, type DecodedModel } from './onnx-graph';
import type { LayoutEntry, StackLayout } from './registry';

/** The exact sRGB curves (float64), the same constants as the WGSL. */
export function srgbToLinear(x: number): number {
  return x <= 0.04045 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
}

/** Linear light → sRGB (float64), the inverse of `srgbToLinear`. */
export function linearToSrgb(l: number): number {
  return l <= 0.0031308 ? l * 12.92 : 1.055 * l ** (1 / 2.4) - 0.055;
}

/**
 * The fine sRGB tables of the CPU path. ORT's WASM kernels have no fused element-wise ops, so
 * each op is a pass over the image; a curve as a polynomial costs about 14 passes, a lookup three
 * (scale, cast to an index, GatherElements — far cheaper in ORT than Gather).
 * - decode: index ⌊v·N⌋ of an sRGB value v ∈ [0, 1] → √(linear) at the cell's midpoint;
 * - encode: index ⌊s·N⌋ of s = √(linear) → sRGB at the cell's midpoint (as a float in [0, 1], or as
 *   the final byte when the stack ends there).
 * Working on s = √linear keeps the encode table small (sRGB's slope in s is bounded, unlike in
 * linear light near black) and makes the linear-light effects cheap: they are all gains g ≥ 0, so
 * √(l·g) = s·√g and a clamp to [0, 1] stays a clamp. Worst case (tested in compile-onnx.test.ts):
 * within 0.1/255 of the exact curves, inside the engine's 1/255 GPU/CPU agreement.
 */
export const FINE = 8192;

/** [1, FINE + 1]: √(sRGB→linear) at the midpoints of ⌊v·FINE⌋'s cells (the last entry: v = 1). */
export function decodeTable(): number[] {
  return Array.from({ length: FINE + 1 }, (_, i) =>
    Math.sqrt(srgbToLinear(Math.min(1, (i + 0.5) / FINE))),
  );
}

/** [1, 256]: √(sRGB→linear) of the 8-bit levels (exact). */
export function levelsTable(): number[] {
  return Array.from({ length: 256 }, (_, v) => Math.sqrt(srgbToLinear(v / 255)));
}

/**
 * linear→sRGB of s² at the midpoints of ⌊s·FINE⌋'s cells, as floats or bytes; `length` > FINE + 1
 * covers s up to (length − 1)/FINE (clipped to 1), so a last gain needs no clamp before the lookup.
 */
export function encodeTable(bytes: boolean, length = FINE + 1): number[] {
  return Array.from({ length }, (_, j) => {
    const v = linearToSrgb(Math.min(1, ((j + 0.5) / FINE) ** 2));
    return bytes ? Math.round(v * 255) : v;
  });
}

/** sRGB cells (table columns) and gain levels (rows) of the last-gain table (`gainTable`). */
export const GAIN_CELLS = 1024;
export const GAIN_LEVELS = 1024;

/**
 * The last-gain table: a stack that ends with one per-pixel linear gain g (a vignette) after
 * non-linear effects turns sRGB v into bytes by one lookup at [level of g, cell of v]:
 * row r is the gain q^2.4 for q = r·`qmax`/(levels − 1) (levels even in g^(1/2.4), like sRGB's
 * response to a gain), column c the sRGB value at the midpoint of cell c of 1/`cells` (or, with
 * `exact`, the 8-bit level c/255). Error ≤ 0.5·qmax/(levels − 1) + 0.5/cells ≈ 0.2/255 before the
 * final rounding (tested in compile-onnx.test.ts), inside the engine's 1/255 GPU/CPU agreement.
 * Flat: [1, levels·columns]; columns = cells + 1 (or 256).
 */
export function gainTable(
  cells: number,
  exact: boolean,
  qmax: number,
  levels = GAIN_LEVELS,
): { bytes: Uint8Array; columns: number } {
  const key = `${cells}:${exact}:${qmax}:${levels}`;
  let table = gainTables.get(key);
  if (!table) {
    table = makeGainTable(cells, exact, qmax, levels);
    gainTables.set(key, table);
  }
  return table;
}

/**
 * The top of the last-gain table's q range for gains up to `maxGain`: at least maxGain^(1/2.4),
 * and such that q = 1 (a gain of 1) is a level, so a zero-strength effect stays the identity.
 */
export function gainRange(maxGain: number, levels = GAIN_LEVELS): number {
  return (levels - 1) / Math.floor((levels - 1) / maxGain ** (1 / 2.4));
}

/** Made once per shape (a million pow() calls, ~40 ms): kept for the next compile. */
const gainTables = new Map<string, { bytes: Uint8Array; columns: number }>();

function makeGainTable(cells: number, exact: boolean, qmax: number, levels: number) {
  const columns = exact ? 256 : cells + 1;
  const lin = Array.from({ length: columns }, (_, c) =>
    srgbToLinear(exact ? c / 255 : Math.min(1, (c + 0.5) / cells)),
  );
  const out = new Uint8Array(levels * columns);
  for (let r = 0; r < levels; r++) {
    const gain = ((r * qmax) / (levels - 1)) ** 2.4;
    for (let c = 0; c < columns; c++) {
      out[r * columns + c] = Math.round(255 * linearToSrgb(Math.min(1, lin[c]! * gain)));
    }
  }
  return { bytes: out, columns };
}

/** ⌊x·scale⌋ as int32 (x ≥ 0). */
function index(g: GraphBuilder, x: string, scale: number): string {
  return g.op('Cast', [g.op('Mul', [x, g.f32(scale)])], { to: { i: DT.int32 } });
}

/**
 * The exact curves as ops (Pow, Where): for the small per-level tables, and for a blended layer's
 * linear-light effect (./blend), which has no table path.
 */
export function toLinearExact(g: GraphBuilder, x: string): string {
  const power = g.op('Pow', [
    g.op('Div', [g.op('Add', [x, g.f32(0.055)]), g.f32(1.055)]),
    g.f32(2.4),
  ]);
  const toe = g.op('Div', [x, g.f32(12.92)]);
  return g.op('Where', [g.op('LessOrEqual', [x, g.f32(0.04045)]), toe, power]);
}

export function toSrgbExact(g: GraphBuilder, l: string): string {
  const power = g.op('Sub', [
    g.op('Mul', [g.op('Pow', [l, g.f32(1 / 2.4)]), g.f32(1.055)]),
    g.f32(0.055),
  ]);
  const toe = g.op('Mul', [l, g.f32(12.92)]);
  return g.op('Where', [g.op('LessOrEqual', [l, g.f32(0.0031308)]), toe, power]);
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
    blur: (x, radius, at, scale = 1) => {
      if (radius === 0) return scale === 1 ? x : g.op('Mul', [x, g.f32(scale)]);
      const k = 2 * radius + 1;
      const w = slice(at + 1, k);
      const wh = g.op('Expand', [g.op('Reshape', [w, g.i64([1, 1, 1, k])]), g.i64([3, 1, 1, k])]);
      const ws = scale === 1 ? w : g.op('Mul', [w, g.f32(scale)]);
      const wv = g.op('Expand', [g.op('Reshape', [ws, g.i64([1, 1, k, 1])]), g.i64([3, 1, k, 1])]);
      return conv1d(
        edgePad(g, conv1d(edgePad(g, x, 3, radius), wh, k, true), 2, radius),
        wv,
        k,
        false,
      );
    },
  };
}

/**
 * Clamp-to-edge padding by `r` along `axis` as one Concat of the edge row/column (repeated) and
 * the image: block copies, where ORT's Pad (mode edge) costs 3–4 element-wise passes.
 */
function edgePad(g: GraphBuilder, x: string, axis: 2 | 3, r: number): string {
  const reps = g.i64(axis === 3 ? [1, 1, 1, r] : [1, 1, r, 1]);
  const edge = (start: number, end: number) =>
    g.op('Expand', [g.op('Slice', [x, g.i64([start]), g.i64([end]), g.i64([axis])]), reps]);
  return g.op('Concat', [edge(0, 1), x, edge(-1, Number.MAX_SAFE_INTEGER)], { axis: { i: axis } });
}

/** Applies one effect to `x`, which is in linear light when the effect's space is linear. */
function applyEntry(
  shared: Shared,
  entry: LayoutEntry,
  u: string,
  x: string,
  models: ReadonlyMap<string, DecodedModel>,
  scale = 1,
): string {
  const { g } = shared;
  const ctx = makeCtx(shared, u);
  const def = entry.def;
  if (scale !== 1) {
    // Only effects that fold a scale into their last linear op (`scalesOutput`) are asked to.
    if (def.kind !== 'area' || !def.scalesOutput) throw new Error(`${def.id} cannot scale.`);
    const y = def.onnx(ctx, x, entry.params, scale);
    return def.convex ? y : g.op('Clip', [y, g.f32(0, []), g.f32(scale, [])]);
  }
  if (def.kind === 'neural') {
    const model = models.get(def.modelId);
    if (!model) throw new Error(`The model “${def.modelId}” was not loaded.`);
    // A denoiser with a σ input reads uniform 1 (σ, filled in per render) as [1,1,1,1].
    const sigmaInput = def.denoise?.sigmaInput;
    const extra = sigmaInput
      ? { [sigmaInput]: g.op('Reshape', [ctx.scalar(1), g.i64([1, 1, 1, 1])]) }
      : {};
    const y = clamp01(g, inlineModel(g, model, x, extra));
    return clamp01(g, g.op('Add', [x, g.op('Mul', [g.op('Sub', [y, x]), ctx.scalar(0)])]));
  }
  if (def.kind === 'point') return clamp01(g, def.onnx(ctx, x));
  const y = def.onnx(ctx, x, entry.params);
  return def.convex ? y : clamp01(g, y);
}

/** Names of the uniforms inputs, in stack order. */
export function uniformInputName(index: number): string {
  return `u${index}`;
}

/** A value in the stack's graph: sRGB floats in [0, 1], or the final bytes. */
interface Value {
  x: string;
  bytes: boolean;
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
  // Gathers, not Slice or Split: ORT's transpose optimiser moves those above the Transpose, where
  // they copy the interleaved bytes one by one (5–20 ms at 1 MP instead of 0.5).
  const planar = g.op('Gather', [planes, g.i64([0, 1, 2])], { axis: { i: 1 } });
  const alpha = g.op('Gather', [planes, g.i64([3])], { axis: { i: 1 } });
  const shared = new Shared(g, planar, ctxIn);
  const entries = layout.entries;
  const last = entries.length - 1;
  const linearAt = (k: number) => entries[k]?.def.space === 'linear';
  const inputs = entries.map((entry, k) =>
    g.input(uniformInputName(k), DT.float, [entry.uniforms.length]),
  );
  const pointDef = (k: number) => {
    const def = entries[k]!.def;
    return def.kind === 'point' ? def : undefined;
  };
  /**
   * The stack ends at `k` with a per-pixel gain that starts a linear run of its own (after
   * non-linear effects, or alone): one `gainTable` lookup does it all.
   */
  const lastGainAt = (k: number) => k === last && !!pointDef(k)?.gainLevels;

  /** The last gain effect k on x (sRGB floats, ×GAIN_CELLS when `prescaled`, or the bytes). */
  const lastGain = (x: string, k: number, prescaled: boolean): Value => {
    const def = pointDef(k)!;
    const exact = x === planar;
    const qmax = gainRange(def.maxGain ?? 1);
    const { bytes, columns } = gainTable(GAIN_CELLS, exact, qmax);
    const cast = (v: string) => g.op('Cast', [v], { to: { i: DT.int32 } });
    const cell = exact || prescaled ? cast(x) : index(g, x, GAIN_CELLS);
    const ctx = makeCtx(shared, inputs[k]!);
    const at = g.op('Add', [cell, def.gainLevels!(ctx, GAIN_LEVELS, qmax, columns)]);
    return { x: lookup(g, g.u8(bytes, [1, bytes.length]), at), bytes: true };
  };

  /**
   * A run of adjacent linear-light effects k..end on the image: sRGB → √linear by the fine decode
   * table, each gain applied as a product with √g and a clamp, the last one's product scaled to
   * the encode table's index (an effect without a gain squares, applies, clamps and takes the
   * root). Encoding then decoding between adjacent linear effects would be the identity.
   */
  const linearRun = (x: string, k: number, end: number, prescaled: boolean): Value => {
    const cast = (v: string) => g.op('Cast', [v], { to: { i: DT.int32 } });
    let s =
      x === planar
        ? lookup(g, g.f32(levelsTable(), [1, 256]), cast(x))
        : lookup(g, g.f32(decodeTable(), [1, FINE + 1]), prescaled ? cast(x) : index(g, x, FINE));
    // Entries of the encode table: s·FINE up to √(last gain's max)·FINE needs no clamp.
    let length = FINE + 1;
    for (let j = k; j <= end; j++) {
      const ctx = makeCtx(shared, inputs[j]!);
      const def = pointDef(j);
      const final = j === end;
      if (def?.gain) {
        const scale = final ? FINE * FINE : 1;
        // Relu: a gain of 0 may round to −0.0000001, whose root would be NaN (a wild index).
        const root = def.rootGain
          ? def.rootGain(ctx, scale)
          : g.op('Sqrt', [g.op('Relu', [def.gain(ctx, scale)])]);
        s = g.op('Mul', [s, root]);
        if (final && def.maxGain !== undefined)
          length = Math.ceil(Math.sqrt(def.maxGain) * FINE) + 2;
        else s = g.op('Min', [s, g.f32(final ? FINE : 1)]);
      } else {
        const l = applyEntry(shared, entries[j]!, inputs[j]!, g.op('Mul', [s, s]), models);
        s = g.op('Sqrt', [l]);
        if (final) s = g.op('Mul', [s, g.f32(FINE)]);
      }
    }
    const bytes = end === last;
    const table = bytes
      ? g.u8(encodeTable(true, length), [1, length])
      : g.f32(encodeTable(false, length), [1, length]);
    return { x: lookup(g, table, g.op('Cast', [s], { to: { i: DT.int32 } })), bytes };
  };

  /** Effects from..to-1 on the full image (sRGB floats in [0, 1]). */
  const run = (x: string, from: number, to: number): Value => {
    // x holds sRGB·FINE (the decode table's index) when the effect before a linear run folded
    // the scale into its last linear op (a blur's weights): one pass fewer.
    let prescaled = false;
    for (let k = from; k < to; k++) {
      if (to === entries.length && lastGainAt(k)) return lastGain(x, k, prescaled);
      if (linearAt(k)) {
        let end = k;
        while (end + 1 < to && linearAt(end + 1)) end++;
        const v = linearRun(x, k, end, prescaled);
        if (v.bytes) return v;
        x = v.x;
        k = end;
        prescaled = false;
      } else {
        const def = entries[k]!.def;
        prescaled = k + 1 < to && linearAt(k + 1) && def.kind === 'area' && !!def.scalesOutput;
        const cells = lastGainAt(k + 1) ? GAIN_CELLS : FINE;
        x = applyEntry(shared, entries[k]!, inputs[k]!, x, models, prescaled ? cells : 1);
      }
    }
    return { x, bytes: false };
  };

  /** Effects 0..to-1 on the [1,3,1,256] table of 8-bit levels, with the exact curves. */
  const runLevels = (x: string, to: number): string => {
    for (let k = 0; k < to; k++) {
      if (linearAt(k) && (k === 0 || !linearAt(k - 1))) x = toLinearExact(g, x);
      x = applyEntry(shared, entries[k]!, inputs[k]!, x, models);
      if (linearAt(k) && (k === to - 1 || !linearAt(k + 1))) x = toSrgbExact(g, x);
    }
    return x;
  };

  // A leading run of channel-wise effects is computed on the 256 possible 8-bit values of each
  // channel and applied by one lookup (GatherElements on [3, 256]) on the 8-bit input: a cast and
  // a lookup instead of a cast and a division, plus the effects' own passes.
  let lead = 0;
  while (lead < entries.length) {
    const def = entries[lead]!.def;
    if (def.kind !== 'point' || !def.channelwise) break;
    lead++;
  }
  let out: Value;
  if (lead > 0) {
    const levels = Array.from({ length: 256 }, (_, v) => v / 255);
    let table = runLevels(g.f32([...levels, ...levels, ...levels], [1, 3, 1, 256]), lead);
    const bytes = lead === entries.length;
    if (bytes) table = toBytes(g, table);
    const idx = g.op('Reshape', [g.op('Cast', [planar], { to: { i: DT.int32 } }), g.i64([3, -1])]);
    const got = g.op('GatherElements', [g.op('Reshape', [table, g.i64([3, 256])]), idx], {
      axis: { i: 1 },
    });
    const x = g.op('Reshape', [got, g.op('Shape', [planar])]);
    out = bytes ? { x, bytes } : run(x, lead, entries.length);
  } else if (linearAt(0)) {
    out = run(planar, 0, entries.length); // decoded from the bytes by a 256-entry table
  } else {
    out = run(
      g.op('Div', [g.op('Cast', [planar], { to: { i: DT.float } }), g.f32(255)]),
      0,
      entries.length,
    );
  }
  // Every effect clamps its result (and the input is in [0, 1]), so no final clamp is needed.
  const bytes = out.bytes ? out.x : toBytes(g, out.x);
  const rgba = g.op('Concat', [bytes, alpha], { axis: { i: 1 } });
  g.alias(g.op('Transpose', [rgba], { perm: { ints: [0, 2, 3, 1] } }), 'out');
  g.output('out', DT.uint8, [1, 'h', 'w', 4]);
  return g.encode();
}

/** sRGB floats in [0, 1] → bytes (round to nearest). */
function toBytes(g: GraphBuilder, x: string): string {
  return g.op('Cast', [g.op('Round', [g.op('Mul', [x, g.f32(255)])])], { to: { i: DT.uint8 } });
}
