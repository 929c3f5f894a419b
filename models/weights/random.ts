/**
 * Seeded random weights, for the embedded tiny model and for full-size benchmark models. Every
 * tensor gets its own stream, seeded from FNV-1a(name) mixed with the model seed, so a tensor's
 * values depend only on (seed, name, shape): builds are deterministic and independent of the
 * order in which a builder asks for tensors.
 *
 * Scheme (close to PyTorch's defaults, scaled so a random network stays in range):
 * - names ending in `norm*.weight` / `layer_norm*.weight` / `group_norm.weight` /
 *   `final_layer_norm.weight` (1-D): 1 + 0.1·u, u uniform in [-1, 1);
 * - other 1-D tensors (biases, norm biases): 0.1·u · fan-in bound when known, else 0.05·u;
 * - embeddings (`*embedding.weight`): 0.02·u·√3;
 * - weights of rank ≥ 2: uniform in ±√(3/fan_in) (unit-variance outputs for unit-variance inputs),
 *   where fan_in is the product of all dimensions but the first.
 *
 * @module
 */

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
      const count = shape.reduce((a, b) => a * b, 1);
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
