/**
 * Counts the multiply-adds of a built graph for concrete input shapes, for the benchmarks'
 * throughput figures. Only the matrix ops are counted (MatMul, Gemm, Conv, and the two products
 * inside onnxruntime's MultiHeadAttention): they are over 99% of
 * the arithmetic of the Stable Diffusion networks, and every runtime reports "FLOPs" on the same
 * basis. Element-wise ops, normalisations, softmax and data movement are not counted.
 *
 * - MatMul `[…, M, K] @ […, K, N]`: batch·M·K·N;
 * - Gemm `[M, K] × [K, N]`: M·K·N (the bias add is not counted);
 * - Conv: N·C_out·(output pixels)·(C_in / group)·(kernel area);
 * - MultiHeadAttention q [B, S, C], k [B, L, C], v [B, L, Cv]: B·S·L·(C + Cv), as its MatMuls.
 *
 * `flops` is 2 × `multiplyAdds` (one multiply and one add each), the usual convention.
 *
 * @module
 */

import { elementCount } from "../../shared/tensor/mod.ts";
import type { GraphBuilder } from "./graph.ts";
import { inferShapes } from "./shapes.ts";

/** Arithmetic of one forward pass. */
export interface FlopCount {
  /** Multiply-accumulate operations of MatMul, Gemm and Conv nodes. */
  multiplyAdds: number;
  /** Floating-point operations: 2 × `multiplyAdds`. */
  flops: number;
  /** Multiply-adds per op type (`MatMul`, `Gemm`, `Conv`). */
  byOpType: Record<string, number>;
}

const product = elementCount;

/**
 * Counts the multiply-adds of one forward pass of `g` on inputs of the given shapes.
 *
 * @example Usage
 * ```ts ignore
 * const g = buildUnet(config, SHAPE_ONLY_WEIGHTS);
 * const { flops } = countFlops(g, {
 *   sample: [2, 4, 64, 64],
 *   timestep: [2],
 *   encoder_hidden_states: [2, 77, 768],
 * });
 * ```
 */
export function countFlops(
  g: GraphBuilder,
  inputShapes: Record<string, readonly number[]>,
): FlopCount {
  const byOpType: Record<string, number> = {};
  const add = (op: string, count: number) => (byOpType[op] = (byOpType[op] ?? 0) + count);
  inferShapes(g, inputShapes, {
    onNode(opType, inputs, outputs) {
      const out = outputs[0]!.shape;
      if (opType === "MatMul") {
        const a = inputs[0]!.shape;
        add(opType, product(out) * a.at(-1)!);
      } else if (opType === "Gemm") {
        const b = inputs[1]!.shape;
        add(opType, product(out) * product(b) / out.at(-1)!);
      } else if (opType === "MultiHeadAttention") {
        // The two products of every head: q·kᵀ (S·L·C in all) and scores·v (S·L·Cv).
        const [batch, s, c] = inputs[0]!.shape;
        const l = inputs[1]!.shape[1]!;
        add(opType, batch! * s! * l * (c! + out.at(-1)!));
      } else if (opType === "Conv") {
        const w = inputs[1]!.shape;
        add(opType, product(out) * product(w.slice(1)));
      }
    },
  });
  const multiplyAdds = Object.values(byOpType).reduce((a, b) => a + b, 0);
  return { multiplyAdds, flops: 2 * multiplyAdds, byOpType };
}
