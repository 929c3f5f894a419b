/**
 * The machine limit per backend: a one-node float32 MatMul graph (built with the project's
 * GraphBuilder) of n×n by n×n, run on the same backend in the same run as the networks, so every
 * network figure can be read as a fraction of what that backend reaches on dense arithmetic. The
 * probe is measured at the start, again before each network and at the end; the limit is the best
 * run of all of them, since on a shared machine the slower runs measure the neighbours.
 */

import { encodeModel, GraphBuilder } from "../../models/onnx/mod.ts";
import type { ModelSession } from "../../shared/ort/mod.ts";
import type { BackendName, BenchBackend } from "./_suite_backends.ts";
import type { SuiteContext } from "./_suite_context.ts";
import { type Figure, figure, timeRepeats } from "./_suite_stats.ts";

/** Matrix size per backend: software WebGPU is ~40× slower than the CPU, a GPU far faster. */
const SIZES: Record<BackendName, number> = { cpu: 1024, cuda: 4096, wasm: 1024, webgpu: 512 };

/**
 * A MatMul of an n×n input by an n×n weight, as ONNX bytes; with `chain` > 1, that many products
 * by the same weight in a row (scaled so the values keep their magnitude), which keeps one run's
 * upload and read-back small next to its arithmetic on a GPU.
 */
export function matmulModel(
  n: number,
  options: { dtype?: "float32" | "float16"; chain?: number } = {},
): Uint8Array {
  const dtype = options.dtype ?? "float32";
  const chain = options.chain ?? 1;
  // Uniform values in [-0.5, 0.5) have a standard deviation of 1/√12.
  const scale = chain === 1 ? 1 : Math.sqrt(12 / n);
  let state = 7;
  const weights = {
    get: (_name: string, shape: readonly number[]) =>
      Float32Array.from(
        { length: shape.reduce((a, b) => a * b, 1) },
        () => (((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32) - 0.5) * scale,
      ),
  };
  const g = new GraphBuilder({
    name: `matmul_${n}`,
    weights,
    weightDType: dtype,
    computeDType: dtype,
  });
  let y = g.input("x", dtype, [n, n]);
  const w = g.param("w", [n, n]);
  for (let i = 0; i < chain; i++) y = g.op("MatMul", [y, w]);
  g.output(y, "y", dtype, [n, n]);
  return encodeModel(g).model;
}

interface Probe {
  bench: BenchBackend;
  session: ModelSession;
  n: number;
  samples: number[];
  otherCores: number[];
}

/** MatMul sessions kept open for the whole run, and every sample they gave. */
export class LimitProbe {
  #probes = new Map<BackendName, Probe>();

  /** Opens one MatMul session per backend. */
  static async open(backends: readonly BenchBackend[]): Promise<LimitProbe> {
    const probe = new LimitProbe();
    for (const bench of backends) {
      const n = SIZES[bench.name];
      const session = await bench.backend.createSession(matmulModel(n));
      probe.#probes.set(bench.name, { bench, session, n, samples: [], otherCores: [] });
    }
    return probe;
  }

  /** Runs the MatMul of `name` `repeats` times (after a warm-up) and keeps the samples. */
  async measure(name: BackendName, repeats: number): Promise<void> {
    const probe = this.#probes.get(name);
    if (!probe) return;
    const x = { data: new Float32Array(probe.n * probe.n).fill(0.25), dims: [probe.n, probe.n] };
    const timed = await timeRepeats(() => probe.session.run({ x }), { warmup: 2, repeats });
    probe.samples.push(...timed.samples);
    probe.otherCores.push(timed.otherCores);
  }

  /** Best GFLOP/s per backend so far. */
  limits(): Map<BackendName, number> {
    const out = new Map<BackendName, number>();
    for (const [name, p] of this.#probes) {
      if (p.samples.length > 0) out.set(name, (2 * p.n ** 3) / Math.min(...p.samples) / 1e6);
    }
    return out;
  }

  /** One figure per backend over every sample taken. */
  figures(): Figure[] {
    return [...this.#probes.values()].filter((p) => p.samples.length > 0).map((p) =>
      figure({
        id: `limit.matmul.${p.bench.name}`,
        label: `MatMul ${p.n}³ float32 (machine limit: best run)`,
        group: "limit",
        backend: p.bench.name,
        unit: "ms",
        flops: 2 * p.n ** 3,
        details: { n: p.n, runtime: p.bench.runtime, otherCores: p.otherCores },
      }, p.samples)
    );
  }

  /** Releases the sessions. */
  async release(): Promise<void> {
    await Promise.all([...this.#probes.values()].map((p) => p.session.release()));
    this.#probes.clear();
  }
}

/** Opens the probe and measures every backend's limit at the start of the run. */
export async function measureLimits(ctx: SuiteContext): Promise<void> {
  ctx.probe ??= await LimitProbe.open(ctx.backends);
  for (const bench of ctx.backends) {
    await ctx.probe.measure(bench.name, ctx.quick ? 5 : 20);
    const best = ctx.probe.limits().get(bench.name);
    if (best) ctx.log(`  limit ${bench.name}: best ${best.toFixed(1)} GFLOP/s so far`);
  }
}
