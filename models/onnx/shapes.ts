/**
 * Static shape inference over a built {@linkcode GraphBuilder} for concrete input shapes, the part
 * of onnx's shape inference the networks here need. Small integer tensors (shapes, axes, sizes,
 * computed with Shape → Gather → Concat chains) are evaluated too, so `Reshape`, `Slice`, `Range`
 * and `Resize` targets resolve. Parameters are never read: a shape-only weight source is enough.
 * Used by {@linkcode countFlops}; an op it does not know is reported by name.
 *
 * @module
 */

import { elementCount } from "../../shared/tensor/mod.ts";
import type { GraphBuilder } from "./graph.ts";
import { type Known, OPS } from "./_shape_ops.ts";

export type { Known } from "./_shape_ops.ts";

/** Constants up to this many elements keep their values for shape arithmetic. */
const MAX_TRACKED_VALUES = 64;

/** Options of {@linkcode inferShapes}. */
export interface InferShapesOptions {
  /**
   * Called after each node with its op type, input and output infos, in graph order. Lets a
   * caller (the FLOP counter) inspect every node without a second pass.
   */
  onNode?: (opType: string, inputs: (Known | null)[], outputs: Known[]) => void;
}

/**
 * Infers the shape of every value of `g` given concrete shapes for its graph inputs (keyed by
 * input name; symbolic dimensions must be given, fixed ones must agree).
 *
 * @example Usage
 * ```ts ignore
 * const shapes = inferShapes(buildClipTextEncoder(config, SHAPE_ONLY_WEIGHTS), {
 *   input_ids: [1, 77],
 * });
 * shapes.get("last_hidden_state"); // [1, 77, 768]
 * ```
 */
export function inferShapes(
  g: GraphBuilder,
  inputShapes: Record<string, readonly number[]>,
  options: InferShapesOptions = {},
): Map<string, number[]> {
  const known = new Map<string, Known>();
  for (const io of g.inputs) {
    const shape = inputShapes[io.name];
    if (shape === undefined) {
      throw new TypeError(`Cannot infer shapes as input '${io.name}' has no shape`);
    }
    const fits = shape.length === io.shape.length &&
      io.shape.every((d, i) => typeof d === "string" || d === shape[i]);
    if (!fits) {
      throw new RangeError(
        `Cannot infer shapes as input '${io.name}' must have shape [${io.shape}]: current value is [${shape}]`,
      );
    }
    known.set(io.name, { shape: [...shape] });
  }
  for (const init of g.initializers) {
    const size = elementCount(init.dims);
    const data = !init.isParam && size <= MAX_TRACKED_VALUES ? init.data() : null;
    known.set(init.name, {
      shape: [...init.dims],
      ...(data ? { values: Array.from(data as ArrayLike<number | bigint>, Number) } : {}),
    });
  }
  for (const node of g.nodes) {
    const rule = OPS[node.opType];
    if (rule === undefined) {
      throw new TypeError(`Cannot infer shapes through unsupported op '${node.opType}'`);
    }
    const inputs = node.inputs.map((name) => {
      if (name === "") return null;
      const info = known.get(name);
      if (info === undefined) {
        throw new RangeError(`Cannot infer shapes as '${name}' is used before it is defined`);
      }
      return info;
    });
    let outputs: Known[];
    try {
      outputs = rule(inputs, node.attributes, node.outputs.length);
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      throw new RangeError(
        `Cannot infer the shape of ${node.opType} → ${node.outputs[0]}: ${detail}`,
      );
    }
    node.outputs.forEach((name, i) => known.set(name, outputs[i]!));
    options.onNode?.(node.opType, inputs, outputs);
  }
  return new Map([...known].map(([name, info]) => [name, info.shape]));
}
