/**
 * Reads what a manifest needs from an ONNX file without running it: the graph's inputs and
 * outputs (names, element types, static and symbolic dimensions) and the external data files its
 * initializers point at. The ModelProto is walked with protobufjs and only the graph's I/O and
 * initializer headers are decoded (onnx-proto messages); nodes are skipped, so a large graph costs
 * one pass over its bytes.
 *
 * @module
 */

import onnxProto from "onnx-proto";
import protobuf from "protobufjs";
import type { TensorDType, TensorSpec } from "../../shared/manifest.ts";

const { onnx } = onnxProto;

/** The parts of an ONNX model a manifest records. */
export interface OnnxModelInfo {
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  /** Distinct `location`s of initializers stored as external data, in order of appearance. */
  externalData: string[];
  /** Largest opset version imported for the default domain, or `null` when absent. */
  opset: number | null;
  /** Whether any initializer is float16 (then a WebGPU device needs `shader-f16`). */
  float16Weights: boolean;
}

// TensorProto.DataType values of the element types a manifest can name.
const DTYPES: Record<number, TensorDType> = {
  1: "float32",
  2: "uint8",
  6: "int32",
  7: "int64",
  10: "float16",
};

// Field numbers of ModelProto and GraphProto (onnx.proto3).
const MODEL_GRAPH = 7;
const MODEL_OPSET_IMPORT = 8;
const GRAPH_INITIALIZER = 5;
const GRAPH_INPUT = 11;
const GRAPH_OUTPUT = 12;
const LENGTH_DELIMITED = 2;

function toNumber(value: number | { toNumber(): number } | null | undefined): number {
  if (value === null || value === undefined) return 0;
  return typeof value === "number" ? value : value.toNumber();
}

function tensorSpec(bytes: Uint8Array, context: string): TensorSpec {
  const info = onnx.ValueInfoProto.decode(bytes);
  const tensor = info.type?.tensorType;
  if (!tensor) {
    throw new TypeError(`Cannot read ${context} '${info.name}': it is not a tensor`);
  }
  const dtype = DTYPES[tensor.elemType ?? 0];
  if (dtype === undefined) {
    throw new TypeError(
      `Cannot read ${context} '${info.name}': element type ${tensor.elemType} is not supported`,
    );
  }
  const shape = (tensor.shape?.dim ?? []).map((dim, axis): number | string => {
    if (dim.dimParam) return dim.dimParam;
    const value = toNumber(dim.dimValue);
    // An axis with neither a value nor a name is dynamic and anonymous.
    return dim.dimValue === null || dim.dimValue === undefined ? `${info.name}_dim_${axis}` : value;
  });
  return { name: info.name, dtype, shape };
}

function initializer(
  bytes: Uint8Array,
): { name: string; location: string | null; float16: boolean } {
  const tensor = onnx.TensorProto.decode(bytes);
  const float16 = tensor.dataType === onnx.TensorProto.DataType.FLOAT16;
  if (tensor.dataLocation !== onnx.TensorProto.DataLocation.EXTERNAL) {
    return { name: tensor.name, location: null, float16 };
  }
  const entry = tensor.externalData.find((e) => e.key === "location");
  if (!entry?.value) {
    throw new TypeError(`Cannot read initializer '${tensor.name}': external data has no location`);
  }
  return { name: tensor.name, location: entry.value, float16 };
}

function readGraph(reader: protobuf.Reader, end: number, info: OnnxModelInfo): void {
  const locations = new Set<string>();
  const initializers = new Set<string>();
  const inputs: TensorSpec[] = [];
  while (reader.pos < end) {
    const tag = reader.uint32();
    const field = tag >>> 3;
    const wire = tag & 7;
    if (wire === LENGTH_DELIMITED && field === GRAPH_INPUT) {
      inputs.push(tensorSpec(reader.bytes(), "input"));
    } else if (wire === LENGTH_DELIMITED && field === GRAPH_OUTPUT) {
      info.outputs.push(tensorSpec(reader.bytes(), "output"));
    } else if (wire === LENGTH_DELIMITED && field === GRAPH_INITIALIZER) {
      const { name, location, float16 } = initializer(reader.bytes());
      initializers.add(name);
      if (float16) info.float16Weights = true;
      if (location !== null) locations.add(location);
    } else {
      reader.skipType(wire);
    }
  }
  info.inputs.push(...inputs.filter((input) => !initializers.has(input.name)));
  info.externalData.push(...locations);
}

/**
 * Reads the graph inputs/outputs and external data locations of a serialized ONNX ModelProto.
 * Graph inputs that are also initializers (old exporters list weights as inputs) are left out.
 *
 * @example Reading a UNet's I/O
 * ```ts ignore
 * const info = readOnnxInfo(await Deno.readFile("unet/model.onnx"));
 * info.inputs.map((i) => i.name); // ["sample", "timestep", "encoder_hidden_states"]
 * ```
 */
export function readOnnxInfo(bytes: Uint8Array): OnnxModelInfo {
  const info: OnnxModelInfo = {
    inputs: [],
    outputs: [],
    externalData: [],
    opset: null,
    float16Weights: false,
  };
  const reader = protobuf.Reader.create(bytes);
  let sawGraph = false;
  try {
    while (reader.pos < reader.len) {
      const tag = reader.uint32();
      const field = tag >>> 3;
      const wire = tag & 7;
      if (wire === LENGTH_DELIMITED && field === MODEL_GRAPH) {
        const length = reader.uint32();
        readGraph(reader, reader.pos + length, info);
        sawGraph = true;
      } else if (wire === LENGTH_DELIMITED && field === MODEL_OPSET_IMPORT) {
        const opset = onnx.OperatorSetIdProto.decode(reader.bytes());
        if (!opset.domain || opset.domain === "ai.onnx") {
          info.opset = Math.max(info.opset ?? 0, toNumber(opset.version));
        }
      } else {
        reader.skipType(wire);
      }
    }
  } catch (error) {
    if (error instanceof TypeError) throw error;
    throw new TypeError(`Cannot read ONNX model: the bytes are not a valid ModelProto`, {
      cause: error,
    });
  }
  if (!sawGraph) {
    throw new TypeError("Cannot read ONNX model: the ModelProto has no graph");
  }
  return info;
}
