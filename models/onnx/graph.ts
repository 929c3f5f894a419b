/**
 * A small typed builder for ONNX graphs. Networks are written against it the way PyTorch modules
 * are written against tensors: `g.param()` declares a parameter under its state-dict name,
 * `g.op()` adds a node and returns its output. Parameter data is pulled lazily from a
 * {@linkcode WeightSource} only when the model is encoded, so a graph can be described (and its
 * parameters counted) without allocating its weights, and a 3.4 GB UNet is written tensor by
 * tensor.
 *
 * @module
 */

import { elementCount } from "../../shared/tensor/mod.ts";

/** Element types used at the graph boundary and for initializers. */
export type DType = "float32" | "float16" | "int32" | "int64";

/** A symbolic tensor in the graph. */
export interface Value {
  readonly name: string;
}

/** Where parameter data comes from: random init, a safetensors file, or nothing (counting). */
export interface WeightSource {
  /**
   * Returns the float32 data of parameter `name` with `shape`. Throws an Error naming the tensor
   * when it is missing or mis-shaped. A shape-only source returns `null`.
   */
  get(name: string, shape: readonly number[]): Float32Array | null;
}

/** Attribute values accepted by {@linkcode GraphBuilder.op}. */
export type AttributeValue = number | number[] | string | string[];

/** A node of the graph as recorded by the builder. */
export interface GraphNode {
  opType: string;
  /** Operator set domain; absent for the default ONNX domain. */
  domain?: typeof MICROSOFT_DOMAIN;
  inputs: string[];
  outputs: string[];
  attributes: Record<string, AttributeValue>;
}

/** onnxruntime's contrib operator domain (fused ops such as `MultiHeadAttention`). */
export const MICROSOFT_DOMAIN = "com.microsoft";

/** A graph input or output. */
export interface GraphIO {
  name: string;
  dtype: DType;
  shape: (number | string)[];
}

/** An initializer: a parameter (data pulled lazily) or a constant (data known). */
export interface Initializer {
  name: string;
  dims: number[];
  /** Storage type in the file. */
  dtype: DType;
  /** True for network parameters (counted), false for constants. */
  isParam: boolean;
  /** Produces the data; float data is float32 and converted to `dtype` when encoded. */
  data(): Float32Array | BigInt64Array | Int32Array | null;
}

/** Options of {@linkcode GraphBuilder}. */
export interface GraphBuilderOptions {
  /** Graph name stored in the model. */
  name: string;
  /** Source of parameter data. */
  weights: WeightSource;
  /**
   * Storage type of float parameters. `float16` halves the file. With float32 compute each
   * parameter is cast back to float32 inside the graph; with float16 compute it is used as is.
   * @default {computeDType}
   */
  weightDType?: "float32" | "float16";
  /**
   * Element type the network computes in. `float16` makes a true half-precision graph:
   * parameters (which must then be stored as float16) feed their ops directly, with no Cast a
   * runtime could constant-fold into float32 copies, and {@linkcode GraphBuilder.constFloat}
   * constants are float16. Networks keep float32 islands with {@linkcode GraphBuilder.toFloat32}
   * and {@linkcode GraphBuilder.toCompute} where precision needs them.
   * @default {"float32"}
   */
  computeDType?: "float32" | "float16";
  /**
   * Element type of float inputs and outputs. `float16` declares them float16 and casts at the
   * boundary, as some exports do.
   * @default {"float32"}
   */
  ioDType?: "float32" | "float16";
  /**
   * Emit onnxruntime's fused `com.microsoft` `MultiHeadAttention` for unmasked attention (see
   * {@linkcode attention}) instead of the standard MatMul–Softmax–MatMul chain: the scores are
   * never written out as separate scaled and normalised tensors: a 4096-token self-attention runs
   * about a third faster on onnxruntime's CPU and WebGPU providers, and an SD 1.5 UNet step at a
   * 64×64 latent needs half the peak memory on the CPU. Such graphs run on onnxruntime only.
   * @default {false}
   */
  fusedAttention?: boolean;
  /**
   * GroupNorm statistics as two `ReduceMean` passes instead of `InstanceNormalization` (see
   * `groupNorm`): the same function; onnxruntime's WebGPU InstanceNormalization kernel was 8×
   * slower than the two reductions on SwiftShader. @default {false}
   */
  reduceMeanGroupNorm?: boolean;
}

/** ONNX `TensorProto.DataType` codes of the supported element types. */
export const ONNX_ELEMENT_TYPE: Readonly<Record<DType, number>> = Object.freeze({
  float32: 1,
  int32: 6,
  int64: 7,
  float16: 10,
});

const ELEMENT_COUNT = elementCount;

/**
 * Builds an ONNX graph node by node.
 *
 * @example Usage
 * ```ts ignore
 * const g = new GraphBuilder({ name: "relu", weights: { get: () => null } });
 * const x = g.input("x", "float32", ["batch", 3]);
 * g.output(g.op("Relu", [x]), "y", "float32", ["batch", 3]);
 * ```
 */
export class GraphBuilder {
  /** Graph name. */
  readonly name: string;
  /** Storage type of float parameters. */
  readonly weightDType: "float32" | "float16";
  /** Element type of float graph inputs/outputs. */
  readonly ioDType: "float32" | "float16";
  /** Element type of the float computation. */
  readonly computeDType: "float32" | "float16";
  /** Whether unmasked attention uses onnxruntime's fused `MultiHeadAttention`. */
  readonly fusedAttention: boolean;
  /** Whether GroupNorm is written with `ReduceMean` instead of `InstanceNormalization`. */
  readonly reduceMeanGroupNorm: boolean;
  #weights: WeightSource;
  #nodes: GraphNode[] = [];
  #inputs: GraphIO[] = [];
  #outputs: GraphIO[] = [];
  #initializers = new Map<string, Initializer>();
  #params = new Map<string, { value: Value; dims: number[] }>();
  #counter = 0;

  constructor(options: GraphBuilderOptions) {
    this.name = options.name;
    this.#weights = options.weights;
    this.computeDType = options.computeDType ?? "float32";
    this.fusedAttention = options.fusedAttention ?? false;
    this.reduceMeanGroupNorm = options.reduceMeanGroupNorm ?? false;
    this.weightDType = options.weightDType ?? this.computeDType;
    this.ioDType = options.ioDType ?? "float32";
    if (this.computeDType === "float16" && this.weightDType !== "float16") {
      throw new TypeError(
        `Cannot build '${this.name}' as 'weightDType' must be "float16" when 'computeDType' is ` +
          `"float16": current value is "${this.weightDType}"`,
      );
    }
  }

  /** Nodes in topological (insertion) order. */
  get nodes(): readonly GraphNode[] {
    return this.#nodes;
  }
  /** Graph inputs. */
  get inputs(): readonly GraphIO[] {
    return this.#inputs;
  }
  /** Graph outputs. */
  get outputs(): readonly GraphIO[] {
    return this.#outputs;
  }
  /** Initializers (parameters and constants). */
  get initializers(): readonly Initializer[] {
    return [...this.#initializers.values()];
  }

  /**
   * Declares a graph input. A `float32` input is declared as `ioDType` and returned in
   * `computeDType`, with one Cast at the boundary when the two differ.
   */
  input(name: string, dtype: DType, shape: (number | string)[]): Value {
    const boundary = dtype === "float32" ? this.ioDType : dtype;
    const inside = dtype === "float32" ? this.computeDType : dtype;
    this.#inputs.push({ name, dtype: boundary, shape: [...shape] });
    const value = { name };
    return boundary === inside
      ? value
      : this.op("Cast", [value], { to: ONNX_ELEMENT_TYPE[inside] });
  }

  /**
   * Declares `value` as a graph output called `name`. A `float32` output is taken in
   * `computeDType` and declared as `ioDType`, cast at the boundary when the two differ.
   */
  output(value: Value, name: string, dtype: DType, shape: (number | string)[]): void {
    const boundary = dtype === "float32" ? this.ioDType : dtype;
    const inside = dtype === "float32" ? this.computeDType : dtype;
    const source = boundary === inside
      ? value
      : this.op("Cast", [value], { to: ONNX_ELEMENT_TYPE[boundary] });
    this.#nodes.push({
      opType: "Identity",
      inputs: [source.name],
      outputs: [name],
      attributes: {},
    });
    this.#outputs.push({ name, dtype: boundary, shape: [...shape] });
  }

  /**
   * A network parameter stored as an initializer named exactly `name`, returned in
   * `computeDType` (cast from float16 storage only under float32 compute).
   */
  param(name: string, shape: readonly number[]): Value {
    const existing = this.#params.get(name);
    if (existing) {
      if (existing.dims.join(",") !== shape.join(",")) {
        throw new RangeError(
          `Cannot declare parameter '${name}' with shape [${shape}]: already declared as [${existing.dims}]`,
        );
      }
      return existing.value;
    }
    const dims = [...shape];
    const weights = this.#weights;
    this.#initializers.set(name, {
      name,
      dims,
      dtype: this.weightDType,
      isParam: true,
      data: () => weights.get(name, dims),
    });
    let value: Value = { name };
    if (this.weightDType !== this.computeDType) {
      value = this.op("Cast", [value], { to: ONNX_ELEMENT_TYPE[this.computeDType] });
    }
    this.#params.set(name, { value, dims });
    return value;
  }

  /**
   * A float constant in `computeDType` (not a parameter), for operands of float ops. A scalar
   * when `shape` is omitted and one value given.
   */
  constFloat(values: number[] | Float32Array, shape?: number[]): Value {
    return this.#floatConstant(this.computeDType, values, shape);
  }

  /**
   * A float32 constant whatever `computeDType` is: for inputs that ONNX types as float32 (Resize
   * `scales`) and for float32 islands. Shaped as in {@linkcode GraphBuilder.constFloat}.
   */
  constFloat32(values: number[] | Float32Array, shape?: number[]): Value {
    return this.#floatConstant("float32", values, shape);
  }

  /** `x` (a float32 tensor) in `computeDType`: a Cast under float16 compute, else `x` itself. */
  toCompute(x: Value): Value {
    return this.computeDType === "float32"
      ? x
      : this.op("Cast", [x], { to: ONNX_ELEMENT_TYPE[this.computeDType] });
  }

  /** `x` (a `computeDType` tensor) in float32: a Cast under float16 compute, else `x` itself. */
  toFloat32(x: Value): Value {
    return this.computeDType === "float32"
      ? x
      : this.op("Cast", [x], { to: ONNX_ELEMENT_TYPE.float32 });
  }

  /** An int64 constant (shapes, axes, split sizes). A 1-D tensor unless `shape` says otherwise. */
  constInt64(values: number[], shape?: number[]): Value {
    const data = BigInt64Array.from(values.map((v) => BigInt(v)));
    return this.#constant("int64", shape ?? [data.length], () => data);
  }

  /** Adds a node of the default ONNX domain and returns its single output. */
  op(type: string, inputs: (Value | "")[], attrs: Record<string, AttributeValue> = {}): Value {
    return this.opMulti(type, inputs, 1, attrs)[0]!;
  }

  /** Adds a node with several outputs (e.g. `Split`). */
  opMulti(
    type: string,
    inputs: (Value | "")[],
    outputs: number,
    attrs: Record<string, AttributeValue> = {},
  ): Value[] {
    const id = this.#counter++;
    const names = Array.from({ length: outputs }, (_, i) => `/${type}_${id}/output_${i}`);
    this.#nodes.push({
      opType: type,
      inputs: inputs.map((v) => (v === "" ? "" : v.name)),
      outputs: names,
      attributes: attrs,
    });
    return names.map((name) => ({ name }));
  }

  /**
   * Adds a node of onnxruntime's `com.microsoft` domain (only onnxruntime runs these) and returns
   * its single output.
   */
  contribOp(type: string, inputs: (Value | "")[], attrs: Record<string, AttributeValue>): Value {
    const output = this.op(type, inputs, attrs);
    this.#nodes.at(-1)!.domain = MICROSOFT_DOMAIN;
    return output;
  }

  /** Number of parameter elements declared so far. */
  paramCount(): number {
    let total = 0;
    for (const { dims } of this.#params.values()) total += ELEMENT_COUNT(dims);
    return total;
  }

  /** Names of the parameters declared so far, in declaration order. */
  paramNames(): string[] {
    return [...this.#params.keys()];
  }

  #floatConstant(dtype: DType, values: number[] | Float32Array, shape?: number[]): Value {
    const data = Float32Array.from(values);
    const dims = shape ?? (data.length === 1 ? [] : [data.length]);
    return this.#constant(dtype, dims, () => data);
  }

  #constant(
    dtype: DType,
    dims: number[],
    data: () => Float32Array | BigInt64Array,
  ): Value {
    const name = `/const_${this.#counter++}`;
    this.#initializers.set(name, { name, dims, dtype, isParam: false, data });
    return { name };
  }
}
