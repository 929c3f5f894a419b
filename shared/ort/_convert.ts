/**
 * Conversions at the session boundary: host tensors to the dtype a model input declares, model
 * outputs back to host tensors, and onnxruntime metadata to manifest `TensorSpec`s.
 *
 * @module
 */

import type { TensorDType, TensorSpec } from "../tensor/mod.ts";
import type { HostTensor, HostTensorData } from "./types.ts";
import { elementCount, fromFloat16Data, toFloat16Data } from "../tensor/mod.ts";

/** Data ready for an onnxruntime tensor of a given dtype. */
export type OrtData = HostTensorData | Uint16Array | ArrayLike<number>;

/** onnxruntime's `ValueMetadata`, loosely: tensor entries carry `type` and `shape`. */
export interface OrtValueMetadata {
  name: string;
  isTensor: boolean;
  type?: string;
  shape?: readonly (number | string)[];
}

const SPEC_DTYPES: Record<string, TensorDType> = {
  float32: "float32",
  float16: "float16",
  int32: "int32",
  int64: "int64",
  uint8: "uint8",
};

/** A manifest `TensorSpec` from onnxruntime metadata; unknown dtypes are rejected. */
export function specFromMetadata(meta: OrtValueMetadata): TensorSpec {
  const dtype = meta.isTensor && meta.type !== undefined ? SPEC_DTYPES[meta.type] : undefined;
  if (dtype === undefined) {
    throw new TypeError(
      `Cannot use the model as input/output '${meta.name}' has an unsupported type: ${
        meta.isTensor ? meta.type : "not a tensor"
      }`,
    );
  }
  // Dynamic axes may come back as empty names or negative sizes; normalise them to strings.
  const shape = (meta.shape ?? []).map((d, i) =>
    typeof d === "number" && d >= 0 ? d : typeof d === "string" && d !== "" ? d : `dim${i}`
  );
  return { name: meta.name, dtype, shape };
}

function toNumbers(data: HostTensorData): ArrayLike<number> {
  if (data instanceof BigInt64Array) return Array.from(data, Number);
  return data;
}

/**
 * Host data converted to the element type `dtype` expects. Floats become integers by truncation
 * toward zero, as numpy's `astype` does in diffusers' ONNX pipeline.
 */
export function toOrtData(dtype: TensorDType, data: HostTensorData): OrtData {
  switch (dtype) {
    case "float32":
      return data instanceof Float32Array ? data : Float32Array.from(toNumbers(data));
    case "float16":
      return toFloat16Data(toNumbers(data));
    case "int64":
      if (data instanceof BigInt64Array) return data;
      return BigInt64Array.from(Array.from(data, (v) => BigInt(Math.trunc(v))));
    case "int32":
      if (data instanceof Int32Array) return data;
      return Int32Array.from(toNumbers(data), (v) => Math.trunc(v));
    case "uint8":
      return data instanceof Uint8Array ? data : Uint8Array.from(toNumbers(data));
  }
}

/** Checks the feed's element count and rank against the spec. */
export function checkFeed(spec: TensorSpec, value: HostTensor): void {
  const count = elementCount(value.dims);
  if (count !== value.data.length) {
    throw new RangeError(
      `Cannot feed '${spec.name}' as its dims [${value.dims}] hold ${count} values: ` +
        `current length is ${value.data.length}`,
    );
  }
  if (value.dims.length !== spec.shape.length) {
    throw new RangeError(
      `Cannot feed '${spec.name}' as the model expects rank ${spec.shape.length} ` +
        `[${spec.shape}]: current dims are [${value.dims}]`,
    );
  }
  spec.shape.forEach((d, i) => {
    if (typeof d === "number" && d !== value.dims[i]) {
      throw new RangeError(
        `Cannot feed '${spec.name}' as dimension ${i} is fixed to ${d}: ` +
          `current dims are [${value.dims}]`,
      );
    }
  });
}

/** An onnxruntime output's data as host data (float16 → float32). */
export function fromOrtData(type: string, data: unknown): HostTensorData {
  if (type === "float16") return fromFloat16Data(data as ArrayLike<number>);
  if (
    data instanceof Float32Array || data instanceof Int32Array ||
    data instanceof BigInt64Array || data instanceof Uint8Array
  ) {
    return data;
  }
  if (type === "float64" && data instanceof Float64Array) return Float32Array.from(data);
  throw new TypeError(`Cannot read a model output of type '${type}'`);
}
