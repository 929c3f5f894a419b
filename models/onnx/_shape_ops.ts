/**
 * Per-op shape rules for {@linkcode inferShapes} (opset 17 semantics, the attribute forms the
 * builder writes). Each rule maps input infos and attributes to output infos; small integer
 * tensors also carry their values so shape arithmetic resolves. Folder-private.
 *
 * @module
 */

import { elementCount } from "../../shared/tensor/mod.ts";
import type { AttributeValue } from "./graph.ts";

/** What inference knows about a value: its shape and, for small tensors, its elements. */
export interface Known {
  shape: number[];
  /** Elements in row-major order, when known (constants, shape arithmetic). */
  values?: number[];
  /** Whether the values are of an integer type (integer division truncates). */
  integer?: boolean;
}

type Attrs = Record<string, AttributeValue>;
type Rule = (inputs: (Known | null)[], attrs: Attrs, outputs: number) => Known[];

const size = elementCount;

function need(inputs: (Known | null)[], i: number): Known {
  const info = inputs[i];
  if (!info) throw new RangeError(`input ${i} is missing`);
  return info;
}

function valuesOf(inputs: (Known | null)[], i: number): number[] {
  const values = need(inputs, i).values;
  if (!values) throw new RangeError(`input ${i} must be a constant or computed from shapes`);
  return values;
}

function axis(value: number, rank: number): number {
  const a = value < 0 ? value + rank : value;
  if (a < 0 || a >= rank) throw new RangeError(`axis ${value} is out of range for rank ${rank}`);
  return a;
}

function intAttr(attrs: Attrs, name: string, fallback: number): number {
  const v = attrs[name];
  return typeof v === "number" ? v : fallback;
}

function intsAttr(attrs: Attrs, name: string): number[] | null {
  const v = attrs[name];
  return Array.isArray(v) ? (v as number[]) : null;
}

/** Numpy broadcasting of several shapes. */
function broadcast(shapes: number[][]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  return Array.from({ length: rank }, (_, i) => {
    let dim = 1;
    for (const s of shapes) {
      const d = s[s.length - rank + i] ?? 1;
      if (d !== 1 && dim !== 1 && d !== dim) {
        throw new RangeError(`shapes [${shapes.join("] [")}] do not broadcast`);
      }
      if (d !== 1) dim = d;
    }
    return dim;
  });
}

/** Element-wise op over broadcast inputs; values computed when every input has them. */
function elementwise(fn?: (args: number[], integer: boolean) => number, logical = false): Rule {
  return (inputs) => {
    const infos = inputs.map((_, i) => need(inputs, i));
    const shape = broadcast(infos.map((k) => k.shape));
    const integer = logical || infos.some((k) => k.integer === true);
    if (!fn || infos.some((k) => !k.values)) return [{ shape, integer }];
    const strides = infos.map((k) => {
      let stride = 1;
      const own = new Array<number>(shape.length).fill(0);
      for (let d = shape.length - 1; d >= 0; d--) {
        const dim = k.shape[k.shape.length - shape.length + d] ?? 1;
        own[d] = dim === 1 ? 0 : stride;
        stride *= dim;
      }
      return own;
    });
    const values = Array.from({ length: size(shape) }, (_, flat) => {
      const offsets = infos.map(() => 0);
      for (let d = shape.length - 1, rest = flat; d >= 0; d--) {
        const index = rest % shape[d]!;
        rest = Math.floor(rest / shape[d]!);
        strides.forEach((s, i) => (offsets[i]! += index * s[d]!));
      }
      return fn(infos.map((k, i) => k.values![offsets[i]!]!), integer);
    });
    return [{ shape, values, integer }];
  };
}

const sameShape: Rule = (inputs) => [{ shape: [...need(inputs, 0).shape] }];
const passValues: Rule = (inputs) => [{ ...need(inputs, 0) }];

const matMul: Rule = (inputs) => {
  const a = need(inputs, 0).shape;
  const b = need(inputs, 1).shape;
  const a2 = a.length === 1 ? [1, a[0]!] : a;
  const b2 = b.length === 1 ? [b[0]!, 1] : b;
  if (a2.at(-1) !== b2.at(-2)) throw new RangeError(`[${a}] @ [${b}] has mismatched inner dims`);
  const batch = broadcast([a2.slice(0, -2), b2.slice(0, -2)]);
  const shape = [...batch, ...(a.length === 1 ? [] : [a2.at(-2)!])];
  return [{ shape: b.length === 1 ? shape : [...shape, b2.at(-1)!] }];
};

const conv: Rule = (inputs, attrs) => {
  const x = need(inputs, 0).shape;
  const w = need(inputs, 1).shape;
  const spatial = x.length - 2;
  const kernel = intsAttr(attrs, "kernel_shape") ?? w.slice(2);
  const strides = intsAttr(attrs, "strides") ?? new Array<number>(spatial).fill(1);
  const dilations = intsAttr(attrs, "dilations") ?? new Array<number>(spatial).fill(1);
  const pads = intsAttr(attrs, "pads") ?? new Array<number>(2 * spatial).fill(0);
  const out = Array.from({ length: spatial }, (_, i) => {
    const padded = x[i + 2]! + pads[i]! + pads[i + spatial]!;
    return Math.floor((padded - dilations[i]! * (kernel[i]! - 1) - 1) / strides[i]!) + 1;
  });
  return [{ shape: [x[0]!, w[0]!, ...out] }];
};

const reshape: Rule = (inputs) => {
  const input = need(inputs, 0);
  const target = valuesOf(inputs, 1).map((d, i) => (d === 0 ? input.shape[i]! : d));
  const known = elementCount(target.filter((d) => d !== -1));
  const shape = target.map((d) => (d === -1 ? size(input.shape) / known : d));
  if (size(shape) !== size(input.shape)) {
    throw new RangeError(`cannot reshape [${input.shape}] to [${target}]`);
  }
  return [{ shape, ...(input.values ? { values: input.values, integer: input.integer } : {}) }];
};

function clampIndex(value: number, dim: number, step: number): number {
  const v = value < 0 ? value + dim : value;
  return step > 0 ? Math.min(Math.max(v, 0), dim) : Math.min(Math.max(v, -1), dim - 1);
}

const slice: Rule = (inputs) => {
  const input = need(inputs, 0);
  const starts = valuesOf(inputs, 1);
  const ends = valuesOf(inputs, 2);
  const axes = inputs[3] ? valuesOf(inputs, 3) : starts.map((_, i) => i);
  const steps = inputs[4] ? valuesOf(inputs, 4) : starts.map(() => 1);
  const shape = [...input.shape];
  const ranges = shape.map((d) => ({ start: 0, step: 1, count: d }));
  axes.forEach((a, i) => {
    const ax = axis(a, shape.length);
    const dim = input.shape[ax]!;
    const step = steps[i]!;
    const start = clampIndex(starts[i]!, dim, step);
    const end = clampIndex(ends[i]!, dim, step);
    const count = Math.max(0, Math.ceil((end - start) / step));
    shape[ax] = count;
    ranges[ax] = { start, step, count };
  });
  if (!input.values || shape.length !== 1) return [{ shape }];
  const r = ranges[0]!;
  const values = Array.from({ length: r.count }, (_, i) => input.values![r.start + i * r.step]!);
  return [{ shape, values, integer: input.integer === true }];
};

const gather: Rule = (inputs, attrs) => {
  const data = need(inputs, 0);
  const indices = need(inputs, 1);
  const ax = axis(intAttr(attrs, "axis", 0), data.shape.length);
  const shape = [...data.shape.slice(0, ax), ...indices.shape, ...data.shape.slice(ax + 1)];
  if (!data.values || !indices.values || data.shape.length !== 1) return [{ shape }];
  const dim = data.shape[0]!;
  const values = indices.values.map((i) => data.values![i < 0 ? i + dim : i]!);
  return [{ shape, values, integer: data.integer === true }];
};

const concat: Rule = (inputs, attrs) => {
  const parts = inputs.map((_, i) => need(inputs, i));
  const ax = axis(intAttr(attrs, "axis", 0), parts[0]!.shape.length);
  const shape = [...parts[0]!.shape];
  shape[ax] = parts.reduce((sum, p) => sum + p.shape[ax]!, 0);
  if (shape.length !== 1 || parts.some((p) => !p.values)) return [{ shape }];
  return [{ shape, values: parts.flatMap((p) => p.values!), integer: parts[0]!.integer === true }];
};

const unsqueeze: Rule = (inputs) => {
  const input = need(inputs, 0);
  const rank = input.shape.length + valuesOf(inputs, 1).length;
  const axes = new Set(valuesOf(inputs, 1).map((a) => axis(a, rank)));
  const rest = [...input.shape];
  const shape = Array.from({ length: rank }, (_, i) => (axes.has(i) ? 1 : rest.shift()!));
  return [{ ...input, shape }];
};

const squeeze: Rule = (inputs) => {
  const input = need(inputs, 0);
  const rank = input.shape.length;
  const axes = inputs[1]
    ? new Set(valuesOf(inputs, 1).map((a) => axis(a, rank)))
    : new Set(input.shape.flatMap((d, i) => (d === 1 ? [i] : [])));
  return [{ ...input, shape: input.shape.filter((_, i) => !axes.has(i)) }];
};

const transpose: Rule = (inputs, attrs) => {
  const shape = need(inputs, 0).shape;
  const perm = intsAttr(attrs, "perm") ?? shape.map((_, i) => shape.length - 1 - i);
  return [{ shape: perm.map((p) => shape[p]!) }];
};

const reduce: Rule = (inputs, attrs) => {
  const shape = need(inputs, 0).shape;
  const listed = intsAttr(attrs, "axes") ?? (inputs[1] ? valuesOf(inputs, 1) : []);
  const axes = new Set(listed.length ? listed.map((a) => axis(a, shape.length)) : shape.keys());
  const keep = intAttr(attrs, "keepdims", 1) === 1;
  return [{ shape: shape.flatMap((d, i) => (axes.has(i) ? (keep ? [1] : []) : [d])) }];
};

/** Shape rules by op type. */
export const OPS: Record<string, Rule> = {
  Identity: passValues,
  Cast: (inputs, attrs) => {
    const input = need(inputs, 0);
    const integer = [2, 3, 4, 5, 6, 7, 9, 12, 13].includes(intAttr(attrs, "to", 1));
    const values = input.values?.map((v) => (integer ? Math.trunc(v) : v));
    return [{ shape: [...input.shape], integer, ...(values ? { values } : {}) }];
  },
  Neg: elementwise(([a]) => -a!),
  Add: elementwise(([a, b]) => a! + b!),
  Sub: elementwise(([a, b]) => a! - b!),
  Mul: elementwise(([a, b]) => a! * b!),
  Div: elementwise(([a, b], integer) => (integer ? Math.trunc(a! / b!) : a! / b!)),
  Pow: elementwise(([a, b]) => a! ** b!),
  Max: elementwise((args) => Math.max(...args)),
  Min: elementwise((args) => Math.min(...args)),
  Equal: elementwise(([a, b]) => Number(a === b), true),
  Greater: elementwise(([a, b]) => Number(a! > b!), true),
  Less: elementwise(([a, b]) => Number(a! < b!), true),
  Where: elementwise(([c, a, b]) => (c ? a! : b!)),
  ...Object.fromEntries(
    ["Sigmoid", "Erf", "Sqrt", "Relu", "Sin", "Cos", "Exp", "Log", "Tanh", "Abs", "Softmax"]
      .map((op) => [op, sameShape]),
  ),
  LayerNormalization: sameShape,
  InstanceNormalization: sameShape,
  MatMul: matMul,
  // onnxruntime's MultiHeadAttention on [B, S, C] query, [B, L, C] key and [B, L, Cv] value.
  MultiHeadAttention: (inputs) => {
    const [b, s] = need(inputs, 0).shape;
    return [{ shape: [b!, s!, need(inputs, 2).shape.at(-1)!] }];
  },
  Gemm: (inputs, attrs) => {
    const a = need(inputs, 0).shape;
    const b = need(inputs, 1).shape;
    const m = intAttr(attrs, "transA", 0) ? a[1]! : a[0]!;
    return [{ shape: [m, intAttr(attrs, "transB", 0) ? b[0]! : b[1]!] }];
  },
  Conv: conv,
  Transpose: transpose,
  Reshape: reshape,
  Flatten: (inputs, attrs) => {
    const shape = need(inputs, 0).shape;
    const ax = intAttr(attrs, "axis", 1);
    return [{ shape: [size(shape.slice(0, ax)), size(shape.slice(ax))] }];
  },
  Shape: (inputs, attrs) => {
    const shape = need(inputs, 0).shape;
    const values = shape.slice(intAttr(attrs, "start", 0), intAttr(attrs, "end", shape.length));
    return [{ shape: [values.length], values, integer: true }];
  },
  Gather: gather,
  GatherND: (inputs, attrs) => {
    const data = need(inputs, 0).shape;
    const indices = need(inputs, 1).shape;
    const b = intAttr(attrs, "batch_dims", 0);
    const depth = indices.at(-1)!;
    return [{ shape: [...indices.slice(0, -1), ...data.slice(b + depth)] }];
  },
  Slice: slice,
  Concat: concat,
  Unsqueeze: unsqueeze,
  Squeeze: squeeze,
  Split: (inputs, attrs, outputs) => {
    const shape = need(inputs, 0).shape;
    const ax = axis(intAttr(attrs, "axis", 0), shape.length);
    const parts = inputs[1]
      ? valuesOf(inputs, 1)
      : new Array<number>(outputs).fill(shape[ax]! / outputs);
    return parts.map((p) => ({ shape: shape.map((d, i) => (i === ax ? p : d)) }));
  },
  Range: (inputs) => {
    const [start, limit, delta] = [0, 1, 2].map((i) => valuesOf(inputs, i)[0]!);
    const count = Math.max(0, Math.ceil((limit! - start!) / delta!));
    const values = Array.from({ length: count }, (_, i) => start! + i * delta!);
    return [{ shape: [count], values, integer: need(inputs, 0).integer === true }];
  },
  ArgMax: (inputs, attrs) => {
    const [reduced] = reduce(inputs, { axes: [intAttr(attrs, "axis", 0)], ...attrs }, 1);
    return [{ ...reduced!, integer: true }];
  },
  ReduceMean: reduce,
  ReduceSum: reduce,
  ReduceMax: reduce,
  Resize: (inputs) => {
    const shape = need(inputs, 0).shape;
    if (inputs[3]) return [{ shape: valuesOf(inputs, 3) }];
    const scales = valuesOf(inputs, 2);
    return [{ shape: shape.map((d, i) => Math.floor(d * scales[i]!)) }];
  },
  Expand: (inputs) => [{ shape: broadcast([need(inputs, 0).shape, valuesOf(inputs, 1)]) }],
  ConstantOfShape: (inputs) => [{ shape: valuesOf(inputs, 0) }],
  Pad: (inputs) => {
    const shape = need(inputs, 0).shape;
    const pads = valuesOf(inputs, 1);
    return [{ shape: shape.map((d, i) => d + pads[i]! + pads[i + shape.length]!) }];
  },
};
