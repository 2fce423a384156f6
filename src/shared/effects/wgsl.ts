/**
 * WGSL generation for the GPU path: runs of point effects fuse into one compute shader (one
 * dispatch, no intermediate image); area effects become their own passes. Shaders depend only on
 * a stack's structure: parameters live in one f32 storage buffer `P`, laid out as
 * `[tile w, tile h, tile x, tile y, image w, image h, 0, 0, <uniforms of effect 0>, …]`.
 */
import type { GpuPass } from './defs';
import type { LayoutEntry } from './registry';

export const HEADER_FLOATS = 8;

const COLOUR = `fn to_lin(c: vec3f) -> vec3f {
  return select(pow((c + 0.055) / 1.055, vec3f(2.4)), c / 12.92, c <= vec3f(0.04045));
}
fn to_srgb(l: vec3f) -> vec3f {
  return select(1.055 * pow(l, vec3f(${1 / 2.4})) - 0.055, l * 12.92, l <= vec3f(0.0031308));
}
fn unpack_px(v: u32) -> vec4f {
  return vec4f(f32(v & 255u), f32((v >> 8u) & 255u), f32((v >> 16u) & 255u), f32(v >> 24u)) / 255.0;
}
fn pack_px(c: vec4f) -> u32 {
  let q = vec4u(round(clamp(c, vec4f(0.0), vec4f(1.0)) * 255.0));
  return q.x | (q.y << 8u) | (q.z << 16u) | (q.w << 24u);
}
var<private> dims: vec2u;
var<private> off: vec2i;
var<private> full: vec2f;
`;

function uniformFn(name: string, base: number): string {
  return `fn ${name}(i: u32) -> f32 { return P[${base}u + i]; }\n`;
}

const rename = (body: string, fn: string) => body.replace(/\bU\(/g, `${fn}(`);

/**
 * `U(LAST)` (a blended layer's opacity, ./blend) → the index of the layer's last uniform,
 * `U(END<j>)` (its mask's numbers) → the index j before it, and `IDX_END<j>` → that index alone
 * (a brush mask's grid, indexed from there).
 */
const last = (body: string, count: number) =>
  body
    .replace(/\bU\(LAST\)/g, `U(${count - 1}u)`)
    .replace(/\bU\(END(\d+)\)/g, (_, j: string) => `U(${count - 1 - Number(j)}u)`)
    .replace(/\bIDX_END(\d+)\b/g, (_, j: string) => `${count - 1 - Number(j)}u`);

/** One step of the GPU render graph: a fused point run, an area effect's passes, or a network. */
export type GpuStep =
  | { kind: 'point'; entries: { entry: LayoutEntry; base: number }[] }
  | { kind: 'area'; entry: LayoutEntry; base: number }
  | { kind: 'neural'; entry: LayoutEntry; base: number };

/**
 * Plans a stack's GPU steps: consecutive point effects fuse into one step (one dispatch); the
 * first and last steps are always point runs, because they also unpack the uploaded RGBA8 words
 * and pack the result (an empty run when the stack starts or ends with an area effect).
 */
export function planGpuSteps(entries: LayoutEntry[]): GpuStep[] {
  const { bases } = uniformLayout(entries);
  const steps: GpuStep[] = [];
  entries.forEach((entry, k) => {
    const base = bases[k]!;
    if (entry.def.kind === 'point') {
      const last = steps[steps.length - 1];
      if (last?.kind === 'point') last.entries.push({ entry, base });
      else steps.push({ kind: 'point', entries: [{ entry, base }] });
    } else {
      steps.push({ kind: entry.def.kind, entry, base });
    }
  });
  if (steps[0]?.kind !== 'point') steps.unshift({ kind: 'point', entries: [] });
  if (steps[steps.length - 1]!.kind !== 'point') steps.push({ kind: 'point', entries: [] });
  return steps;
}

/** Compute dispatches per tile for a plan (point run: 1; area: its passes; neural: 2 + ORT). */
export function dispatchCount(steps: GpuStep[]): number {
  return steps.reduce(
    (n, s) =>
      n +
      (s.kind === 'point'
        ? 1
        : s.kind === 'neural'
          ? 2
          : s.entry.def.kind === 'area'
            ? s.entry.def.passes.length
            : 0),
    0,
  );
}

/** Offsets of each entry's uniforms in `P`, and the buffer's length in floats. */
export function uniformLayout(entries: LayoutEntry[]): { bases: number[]; length: number } {
  const bases: number[] = [];
  let at = HEADER_FLOATS;
  for (const e of entries) {
    bases.push(at);
    at += e.uniforms.length;
  }
  return { bases, length: at };
}

const MAIN_HEAD = `@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) id: vec3u) {
  dims = vec2u(u32(P[0]), u32(P[1]));
  if (id.x >= dims.x || id.y >= dims.y) { return; }
  off = vec2i(i32(P[2]), i32(P[3]));
  full = vec2f(P[4], P[5]);
  let idx = id.y * dims.x + id.x;
  let p = vec2i(id.xy);
`;

/**
 * One fused shader for consecutive point effects (possibly none: a pure pack/unpack pass).
 * `packedIn`/`packedOut`: read or write RGBA8 words instead of vec4f.
 */
export function pointShader(
  entries: { entry: LayoutEntry; base: number }[],
  packedIn: boolean,
  packedOut: boolean,
): string {
  let code = `@group(0) @binding(0) var<storage, read> src: array<${packedIn ? 'u32' : 'vec4f'}>;
@group(0) @binding(1) var<storage, read_write> dst: array<${packedOut ? 'u32' : 'vec4f'}>;
@group(0) @binding(2) var<storage, read> P: array<f32>;
${COLOUR}`;
  const calls: string[] = [];
  entries.forEach(({ entry, base }, k) => {
    const def = entry.def;
    if (def.kind !== 'point') throw new Error(`${def.id} is not a point effect`);
    const u = `U${k}`;
    code += uniformFn(u, base);
    const linear = def.space === 'linear';
    code += `fn fx${k}(cin: vec3f, gp: vec2i) -> vec3f {
  var c = ${linear ? 'to_lin(cin)' : 'cin'};
  {
${rename(last(def.wgsl, entry.uniforms.length), u)}
  }
  c = clamp(c, vec3f(0.0), vec3f(1.0));
  return ${linear ? 'to_srgb(c)' : 'c'};
}
`;
    calls.push(`  c = fx${k}(c, gp);`);
  });
  code += MAIN_HEAD;
  code += `  let gp = p + off;
  let px = ${packedIn ? 'unpack_px(src[idx])' : 'src[idx]'};
  var c = px.rgb;
${calls.join('\n')}
  dst[idx] = ${packedOut ? 'pack_px(vec4f(c, px.a))' : 'vec4f(c, px.a)'};
}
`;
  // `gp` is unused when no effect reads it; WGSL allows unused lets.
  return code;
}

/** One pass of an area effect. */
export function areaShader(pass: GpuPass, base: number, count = 0): string {
  const two = pass.reads.length > 1;
  let code = `@group(0) @binding(0) var<storage, read> in0: array<vec4f>;
${two ? '@group(0) @binding(3) var<storage, read> in1: array<vec4f>;\n' : ''}@group(0) @binding(1) var<storage, read_write> dst: array<vec4f>;
@group(0) @binding(2) var<storage, read> P: array<f32>;
${COLOUR}${uniformFn('U', base)}
fn ld0(q: vec2i) -> vec4f {
  let c = clamp(q, vec2i(0), vec2i(dims) - 1);
  return in0[u32(c.y) * dims.x + u32(c.x)];
}
`;
  if (two) {
    code += `fn ld1(q: vec2i) -> vec4f {
  let c = clamp(q, vec2i(0), vec2i(dims) - 1);
  return in1[u32(c.y) * dims.x + u32(c.x)];
}
`;
  }
  code += MAIN_HEAD;
  code += `  var out = vec4f(0.0);
  {
${last(pass.body, count)}
  }
  dst[idx] = out;
}
`;
  return code;
}

/** Planar [3,H,W] ⇄ interleaved vec4f, for neural effects on ORT's WebGPU EP. */
export const TO_PLANAR = `@group(0) @binding(0) var<storage, read> src: array<vec4f>;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;
@group(0) @binding(2) var<storage, read> P: array<f32>;
${COLOUR}${MAIN_HEAD}  let n = dims.x * dims.y;
  let c = src[idx];
  dst[idx] = c.r;
  dst[n + idx] = c.g;
  dst[2u * n + idx] = c.b;
}
`;

/** Mixes a network's planar output back in: `x + (clamp(y) − x) · strength`. */
export function fromPlanarShader(base: number): string {
  return `@group(0) @binding(0) var<storage, read> in0: array<vec4f>;
@group(0) @binding(3) var<storage, read> net: array<f32>;
@group(0) @binding(1) var<storage, read_write> dst: array<vec4f>;
@group(0) @binding(2) var<storage, read> P: array<f32>;
${COLOUR}${uniformFn('U', base)}${MAIN_HEAD}  let n = dims.x * dims.y;
  let x = in0[idx];
  let y = clamp(vec3f(net[idx], net[n + idx], net[2u * n + idx]), vec3f(0.0), vec3f(1.0));
  dst[idx] = vec4f(clamp(x.rgb + (y - x.rgb) * U(0), vec3f(0.0), vec3f(1.0)), x.a);
}
`;
}
