/**
 * Seeded random weights, for the embedded tiny model and for full-size benchmark models. Every
 * tensor gets its own stream, seeded from FNV-1a(name) mixed with the model seed, so a tensor's
 * values depend only on (seed, name, shape): builds are deterministic and independent of the
 * order in which a builder asks for tensors.
 *
 * Scheme (PyTorch's defaults in spirit; every draw is uniform, u in [-1, 1)):
 * - rank ≥ 2 (conv and linear weights): √(3/fan_in)·u, fan_in = product of all dimensions but
 *   the first. This is kaiming-uniform with gain 1, so activations keep unit variance through a
 *   random network of any depth (PyTorch's a=√5 default would shrink them by √3 per layer);
 * - `*embedding.weight`: 0.02·√3·u (standard deviation 0.02, like CLIP's token embedding);
 * - 1-D `*norm*.weight` (GroupNorm/LayerNorm scales): 1 + 0.1·u, and every other 1-D tensor
 *   (biases, norm shifts): 0.05·u. PyTorch initialises norms to exactly 1 and 0; the small
 *   perturbation makes every tensor matter, so a mis-wired parameter shows up in the outputs.
 *
 * The generator is mulberry32 seeded with FNV-1a(name) XOR (seed + 1)·0x9E3779B1.
 *
 * @module
 */

import { elementCount } from "../../shared/tensor/mod.ts";
import type { WeightSource } from "../onnx/graph.ts";

/** Options of {@linkcode createRandomWeights}. */
export interface RandomWeightsOptions {
  /** Seed of the whole model. @default {0} */
  seed?: number;
}

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** mulberry32: a tiny, fast 32-bit PRNG with a good enough spread for weights. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A {@linkcode WeightSource} of deterministic random tensors.
 *
 * @example Usage
 * ```ts ignore
 * const g = buildUnet(config, createRandomWeights({ seed: 1 }));
 * ```
 */
export function createRandomWeights(options: RandomWeightsOptions = {}): WeightSource {
  const seed = options.seed ?? 0;
  return {
    get(name, shape) {
      const count = elementCount(shape);
      const next = mulberry32(fnv1a(name) ^ Math.imul(seed + 1, 0x9e3779b1));
      const out = new Float32Array(count);
      const u = () => next() * 2 - 1;
      if (/embedding\.weight$/.test(name)) {
        for (let i = 0; i < count; i++) out[i] = 0.02 * Math.sqrt(3) * u();
      } else if (shape.length === 1 && /norm[^.]*\.weight$/.test(name)) {
        for (let i = 0; i < count; i++) out[i] = 1 + 0.1 * u();
      } else if (shape.length === 1) {
        for (let i = 0; i < count; i++) out[i] = 0.05 * u();
      } else {
        const fanIn = count / shape[0]!;
        const bound = Math.sqrt(3 / fanIn);
        for (let i = 0; i < count; i++) out[i] = bound * u();
      }
      return out;
    },
  };
}

/** A {@linkcode WeightSource} with no data: describes a graph and counts parameters for free. */
export const SHAPE_ONLY_WEIGHTS: WeightSource = Object.freeze({ get: () => null });
