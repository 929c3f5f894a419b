/**
 * Builds tiny ONNX graphs with onnx-proto for boundary tests: `y = cast(cast(x) · 2 + cast(t))`
 * with a chosen dtype for `x`/`y` and for the timestep-like `t` (scalar or `[batch]`).
 */

import onnxProto from "onnx-proto";
import type { onnx as Onnx } from "onnx-proto";

const { onnx } = onnxProto;

const ELEM = { float32: 1, uint8: 2, int32: 6, int64: 7, float16: 10 } as const;
type Elem = keyof typeof ELEM;

function valueInfo(name: string, elem: Elem, dims: (number | string)[]): Onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: ELEM[elem],
        shape: {
          dim: dims.map((d) => typeof d === "number" ? { dimValue: d } : { dimParam: d }),
        },
      },
    },
  };
}

function cast(input: string, output: string, to: Elem): Onnx.INodeProto {
  return {
    input: [input],
    output: [output],
    opType: "Cast",
    attribute: [{ name: "to", type: onnx.AttributeProto.AttributeType.INT, i: ELEM[to] }],
  };
}

/** Options of {@linkcode scaleAddModel}. */
export interface ScaleAddModelOptions {
  /** dtype of `x` and `y`. */
  value: Elem;
  /** dtype of `t`. */
  timestep: Elem;
  /** `[]` for a scalar `t`, `["batch"]` for one per row. */
  timestepShape: (number | string)[];
  /** First axis of `x`/`y`: `"batch"` (dynamic) or a number (fixed). */
  batch: number | string;
}

/** Encoded model computing `y[b, i] = x[b, i] · 2 + t` (t broadcast; `[batch]` t per row). */
export function scaleAddModel(options: ScaleAddModelOptions): Uint8Array {
  const perRow = options.timestepShape.length === 1;
  const nodes: Onnx.INodeProto[] = [
    cast("x", "xf", "float32"),
    cast("t", "tf", "float32"),
    { input: ["xf", "two"], output: ["m"], opType: "Mul" },
    ...(perRow ? [{ input: ["tf", "axes"], output: ["tc"], opType: "Unsqueeze" }] : []),
    { input: ["m", perRow ? "tc" : "tf"], output: ["s"], opType: "Add" },
    cast("s", "y", options.value),
  ];
  const model: Onnx.IModelProto = {
    irVersion: 8,
    opsetImport: [{ domain: "", version: 17 }],
    graph: {
      name: "scale_add",
      node: nodes,
      initializer: [
        { name: "two", dataType: ELEM.float32, dims: [], floatData: [2] },
        { name: "axes", dataType: ELEM.int64, dims: [1], int64Data: [1] },
      ],
      input: [
        valueInfo("x", options.value, [options.batch, 3]),
        valueInfo("t", options.timestep, options.timestepShape),
      ],
      output: [valueInfo("y", options.value, [options.batch, 3])],
    },
  };
  return onnx.ModelProto.encode(model).finish();
}
