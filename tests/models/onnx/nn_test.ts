import assert from "node:assert/strict";
import { cpuSession, tensor } from "../../_ort.ts";
import {
  attention,
  encodeModel,
  gelu,
  GraphBuilder,
  layerNorm,
  quickGelu,
  silu,
  type Value,
  type WeightSource,
} from "../../../models/onnx/mod.ts";

const X = [-2, -1, 0, 0.5, 1, 3];

async function runUnary(
  build: (g: GraphBuilder, x: Value) => Value,
  weights: WeightSource = { get: () => null },
): Promise<number[]> {
  const g = new GraphBuilder({ name: "unary", weights });
  g.output(build(g, g.input("x", "float32", [1, 6])), "y", "float32", [1, 6]);
  const session = await cpuSession(encodeModel(g).model);
  const out = await session.run({ x: tensor(Float32Array.from(X), [1, 6]) });
  await session.release();
  return [...(out.y!.data as Float32Array)];
}

function assertClose(actual: number[], wanted: number[], tolerance = 1e-6) {
  assert.equal(actual.length, wanted.length);
  actual.forEach((v, i) =>
    assert.ok(Math.abs(v - wanted[i]!) <= tolerance, `${i}: ${v} vs ${wanted[i]}`)
  );
}

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

Deno.test("silu() and quickGelu() compute x·σ(x) and x·σ(1.702x)", async () => {
  assertClose(await runUnary(silu), X.map((v) => v * sigmoid(v)));
  assertClose(await runUnary(quickGelu), X.map((v) => v * sigmoid(1.702 * v)));
});

Deno.test("gelu() is the exact erf form, not the tanh approximation", async () => {
  // x·Φ(x) with Φ from a normal table: Φ(0.5) = 0.6914624612740131, Φ(1) = 0.8413447460685429,
  // Φ(2) = 0.9772498680518208, Φ(3) = 0.9986501019683699; Φ(−x) = 1 − Φ(x).
  const phi: Record<number, number> = {
    0.5: 0.6914624612740131,
    1: 0.8413447460685429,
    2: 0.9772498680518208,
    3: 0.9986501019683699,
  };
  const cdf = (v: number) => (v === 0 ? 0.5 : v > 0 ? phi[v]! : 1 - phi[-v]!);
  assertClose(await runUnary(gelu), X.map((v) => v * cdf(v)));
});

Deno.test("layerNorm() normalises the last axis with eps and applies weight and bias", async () => {
  const weights: WeightSource = {
    get: (name) =>
      Float32Array.from(name.endsWith("weight") ? [1, 2, 3, 1, 1, 1] : [0, 0, 0, 0, 0, 1]),
  };
  const mean = X.reduce((a, b) => a + b, 0) / 6;
  const variance = X.reduce((a, b) => a + (b - mean) ** 2, 0) / 6;
  const normed = X.map((v) => (v - mean) / Math.sqrt(variance + 0.25));
  const wanted = normed.map((v, i) => v * [1, 2, 3, 1, 1, 1][i]! + (i === 5 ? 1 : 0));
  const actual = await runUnary((g, x) => layerNorm(g, x, "ln", { dim: 6, eps: 0.25 }), weights);
  assertClose(actual, wanted, 1e-5);
});

/** Reference attention on plain arrays: q [Sq, C], k/v [Sk, C], heads split from C. */
function referenceAttention(
  q: number[][],
  k: number[][],
  v: number[][],
  heads: number,
  mask: number[][],
): number[][] {
  const width = q[0]!.length / heads;
  return q.map((qi, i) => {
    const out = new Array<number>(q[0]!.length).fill(0);
    for (let h = 0; h < heads; h++) {
      const cols = (row: number[]) => row.slice(h * width, (h + 1) * width);
      const logits = k.map((kj, j) =>
        cols(qi).reduce((s, a, c) => s + a * cols(kj)[c]!, 0) / Math.sqrt(width) + mask[i]![j]!
      );
      const top = Math.max(...logits);
      const e = logits.map((l) => Math.exp(l - top));
      const total = e.reduce((a, b) => a + b, 0);
      e.forEach((p, j) => cols(v[j]!).forEach((x, c) => (out[h * width + c]! += (p / total) * x)));
    }
    return out;
  });
}

Deno.test("attention() splits heads from channels, scales by head_dim^-0.5 and adds the mask", async () => {
  const seq = (n: number, f: (i: number, c: number) => number) =>
    Array.from({ length: n }, (_, i) => Array.from({ length: 4 }, (_, c) => f(i, c)));
  const q = seq(3, (i, c) => Math.sin(i + 2 * c));
  const k = seq(2, (i, c) => Math.cos(3 * i - c));
  const v = seq(2, (i, c) => i - c / 2);
  const mask = [[0, -1e9], [0, 0], [-0.5, 0]];
  const g = new GraphBuilder({ name: "attn", weights: { get: () => null } });
  const inputs = ["q", "k", "v"].map((n, i) => g.input(n, "float32", [1, i === 0 ? 3 : 2, 4]));
  const m = g.constFloat(mask.flat(), [3, 2]);
  // Default scale (no `scale`, no `channels`) is derived from the runtime head width.
  const y = attention(g, inputs[0]!, inputs[1]!, inputs[2]!, { heads: 2, mask: m });
  g.output(y, "y", "float32", [1, 3, 4]);
  const session = await cpuSession(encodeModel(g).model);
  const rowsOf = (rows: number[][]) => tensor(Float32Array.from(rows.flat()), [1, rows.length, 4]);
  const out = await session.run({ q: rowsOf(q), k: rowsOf(k), v: rowsOf(v) });
  await session.release();
  assertClose(
    [...(out.y!.data as Float32Array)],
    referenceAttention(q, k, v, 2, mask).flat(),
    1e-5,
  );
});
