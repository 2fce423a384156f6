/**
 * A small ONNX graph builder over `onnx-proto` (protobufjs): effects add nodes to one graph and
 * the stack compiler serialises it into a model for onnxruntime-web's WASM backend.
 * Every attribute is written explicitly (Conv: kernel_shape, strides, pads, dilations, group; no
 * auto_pad): ORT's JSEP and WebGPU kernels misread defaults (see research/renderprobe.md).
 */
import * as onnxProto from 'onnx-proto';

type OnnxNs = typeof onnxProto.onnx;
// onnx-proto is CommonJS; bundlers expose it either as named exports or under `default`.
const onnx: OnnxNs =
  (onnxProto as { onnx?: OnnxNs }).onnx ??
  (onnxProto as unknown as { default: { onnx: OnnxNs } }).default.onnx;

export const DT = {
  float: 1,
  uint8: 2,
  int32: 6,
  int64: 7,
} as const;
export type ElemType = (typeof DT)[keyof typeof DT];

export const OPSET = 18;

export type AttrValue =
  { i: number } | { f: number } | { ints: number[] } | { floats: number[] } | { s: string };

const A = onnx.AttributeProto.AttributeType;

function attribute(name: string, value: AttrValue): onnxProto.onnx.IAttributeProto {
  if ('i' in value) return { name, type: A.INT, i: value.i };
  if ('f' in value) return { name, type: A.FLOAT, f: value.f };
  if ('ints' in value) return { name, type: A.INTS, ints: value.ints };
  if ('floats' in value) return { name, type: A.FLOATS, floats: value.floats };
  return { name, type: A.STRING, s: new TextEncoder().encode(value.s) };
}

/** A dimension: a fixed size or a symbolic name. */
export type Dim = number | string;

function valueInfo(name: string, elemType: number, dims: Dim[]): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: {
          dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })),
        },
      },
    },
  };
}

export class GraphBuilder {
  readonly nodes: onnxProto.onnx.INodeProto[] = [];
  readonly initializers: onnxProto.onnx.ITensorProto[] = [];
  readonly inputs: onnxProto.onnx.IValueInfoProto[] = [];
  readonly outputs: onnxProto.onnx.IValueInfoProto[] = [];
  readonly opsets = new Map<string, number>([['', OPSET]]);
  #count = 0;
  #constants = new Map<string, string>();

  /** A fresh value name. */
  fresh(prefix = 't'): string {
    this.#count += 1;
    return `${prefix}_${this.#count}`;
  }

  /** Adds one node; returns its output names. */
  opN(
    type: string,
    inputs: string[],
    outputs: number,
    attrs: Record<string, AttrValue> = {},
  ): string[] {
    const out = Array.from({ length: outputs }, () => this.fresh(type.toLowerCase()));
    this.nodes.push({
      opType: type,
      name: this.fresh(`n_${type}`),
      input: inputs,
      output: out,
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return out;
  }

  /** Adds one node with one output; returns its name. */
  op(type: string, inputs: string[], attrs: Record<string, AttrValue> = {}): string {
    return this.opN(type, inputs, 1, attrs)[0]!;
  }

  /** A float32 constant (deduplicated). Scalars get shape [1] unless `dims` says otherwise. */
  f32(values: number | number[], dims?: number[]): string {
    const list = typeof values === 'number' ? [values] : values;
    const shape = dims ?? [list.length];
    const key = `f:${shape.join('x')}:${list.join(',')}`;
    const known = this.#constants.get(key);
    if (known) return known;
    const name = this.fresh('cf');
    this.initializers.push({
      name,
      dataType: DT.float,
      dims: shape,
      rawData: new Uint8Array(new Float32Array(list).buffer),
    });
    this.#constants.set(key, name);
    return name;
  }

  /** A uint8 constant (not deduplicated). */
  u8(values: ArrayLike<number>, dims?: number[]): string {
    const name = this.fresh('cb');
    this.initializers.push({
      name,
      dataType: DT.uint8,
      dims: dims ?? [values.length],
      rawData: new Uint8Array(values),
    });
    return name;
  }

  /** An int32 constant (not deduplicated). */
  i32(values: number[], dims?: number[]): string {
    const name = this.fresh('cj');
    this.initializers.push({
      name,
      dataType: DT.int32,
      dims: dims ?? [values.length],
      rawData: new Uint8Array(new Int32Array(values).buffer),
    });
    return name;
  }

  /** An int64 constant (deduplicated). */
  i64(values: number | number[], dims?: number[]): string {
    const list = typeof values === 'number' ? [values] : values;
    const shape = dims ?? [list.length];
    const key = `i:${shape.join('x')}:${list.join(',')}`;
    const known = this.#constants.get(key);
    if (known) return known;
    const name = this.fresh('ci');
    this.initializers.push({
      name,
      dataType: DT.int64,
      dims: shape,
      rawData: new Uint8Array(new BigInt64Array(list.map((v) => BigInt(v))).buffer),
    });
    this.#constants.set(key, name);
    return name;
  }

  input(name: string, elemType: ElemType, dims: Dim[]): string {
    this.inputs.push(valueInfo(name, elemType, dims));
    return name;
  }

  output(name: string, elemType: ElemType, dims: Dim[]): void {
    this.outputs.push(valueInfo(name, elemType, dims));
  }

  /** Renames `from` to `to` by an Identity node (graph outputs need fixed names). */
  alias(from: string, to: string): void {
    this.nodes.push({
      opType: 'Identity',
      name: this.fresh('n_Identity'),
      input: [from],
      output: [to],
    });
  }

  /** Serialises the graph as an ONNX model (IR 8). */
  encode(name = 'atelier-stack'): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: 'atelier',
      opsetImport: [...this.opsets].map(([domain, version]) => ({ domain, version })),
      graph: {
        name,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

/** table[idx] for an int32 index tensor of any shape; `table` is [1, n] (GatherElements). */
export function lookup(g: GraphBuilder, table: string, idx: string): string {
  const flat = g.op('Reshape', [idx, g.i64([1, -1])]);
  const got = g.op('GatherElements', [table, flat], { axis: { i: 1 } });
  return g.op('Reshape', [got, g.op('Shape', [idx])]);
}

/** A decoded foreign model (a neural effect) whose graph is inlined into a stack's graph. */
export interface DecodedModel {
  graph: onnxProto.onnx.IGraphProto;
  opsets: { domain: string; version: number }[];
}

/** @throws Error when the bytes are not an ONNX model with a graph. */
export function decodeModel(bytes: Uint8Array): DecodedModel {
  const model = onnx.ModelProto.decode(bytes);
  if (!model.graph) throw new Error('The ONNX model has no graph.');
  return {
    graph: model.graph,
    opsets: (model.opsetImport ?? []).map((o) => ({
      domain: o.domain ?? '',
      version: Number(o.version ?? 0),
    })),
  };
}

/**
 * Inlines `model`'s graph into `g`: the inputs named in `extra` are fed those values, its first
 * other input is fed `input`, every name is prefixed, and the name of its first output (in `g`)
 * is returned. Opsets are merged (the higher version wins).
 */
export function inlineModel(
  g: GraphBuilder,
  model: DecodedModel,
  input: string,
  extra: Record<string, string> = {},
): string {
  const prefix = g.fresh('m') + '/';
  const graphInputs = (model.graph.input ?? []).map((i) => i.name ?? '');
  const initNames = new Set((model.graph.initializer ?? []).map((t) => t.name ?? ''));
  const realInputs = graphInputs.filter((n) => !initNames.has(n) && !(n in extra));
  const feed = realInputs[0];
  const rename = (n: string) =>
    n === '' ? '' : n === feed ? input : n in extra ? extra[n]! : prefix + n;
  for (const t of model.graph.initializer ?? []) {
    g.initializers.push({ ...t, name: rename(t.name ?? '') });
  }
  for (const node of model.graph.node ?? []) {
    g.nodes.push({
      ...node,
      name: prefix + (node.name ?? g.fresh('n')),
      input: (node.input ?? []).map(rename),
      output: (node.output ?? []).map(rename),
    });
  }
  for (const o of model.opsets) {
    g.opsets.set(o.domain, Math.max(g.opsets.get(o.domain) ?? 0, o.version));
  }
  const out = model.graph.output?.[0]?.name;
  if (!out) throw new Error('The ONNX model has no output.');
  return rename(out);
}
