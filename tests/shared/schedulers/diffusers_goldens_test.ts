/**
 * Every scheduler against diffusers' own full-loop runs (`schedulers/diffusers_goldens.json`):
 * schedule (timesteps, init noise sigma, sigmas), the sample after the first step, the running
 * statistics after every step, the final sample, and which steps draw noise from the seeded
 * PyTorch-compatible generator.
 */
import assert from "node:assert/strict";
import { readFixtureJson } from "../../_fixtures.ts";
import { createScheduler } from "../../../shared/schedulers/mod.ts";
import { createGenerator } from "../../../shared/rng/mod.ts";

interface GoldenStep {
  i: number;
  t: number;
  abs_sum: number;
}

interface GoldenCase {
  id: string;
  scheduler: string;
  config: Record<string, unknown>;
  num_inference_steps: number;
  step_kwargs: { eta?: number };
  seed: number | null;
  timesteps: number[];
  timesteps_dtype: string;
  init_noise_sigma: number;
  sigmas?: (number | "NaN")[];
  first8_after_step1: number[];
  steps: GoldenStep[];
  final_sample: number[];
  stochastic: boolean;
  noise_draw_steps?: number[];
}

const goldens = await readFixtureJson<{ cases: GoldenCase[] }>(
  "schedulers/diffusers_goldens.json",
);
const SHAPE = [4, 3, 8, 8] as const;
const f32 = Math.fround;

/** diffusers' test sample: element [b, c, h, w] = (((c·8 + h)·8 + w)·4 + b) / 768. */
function dummySample(): Float32Array {
  const out = new Float32Array(768);
  for (let b = 0; b < 4; b++) {
    for (let c = 0; c < 3; c++) {
      for (let h = 0; h < 8; h++) {
        for (let w = 0; w < 8; w++) {
          out[((b * 3 + c) * 8 + h) * 8 + w] = f32((((c * 8 + h) * 8 + w) * 4 + b) / 768);
        }
      }
    }
  }
  return out;
}

/** diffusers' test model `x * t / (t + 1)` in float32. */
function dummyModel(x: Float32Array, timestep: number): Float32Array {
  const t = f32(timestep);
  const denominator = f32(t + 1);
  return x.map((v) => f32(f32(v * t) / denominator));
}

function maxAbs(values: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < values.length; i++) max = Math.max(max, Math.abs(values[i]!));
  return max;
}

/** Asserts max |actual − expected| ≤ `tolerance` · max |expected|. */
function assertClose(
  actual: ArrayLike<number>,
  expected: readonly number[],
  tolerance: number,
  what: string,
): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  const scale = Math.max(maxAbs(expected), 1e-30);
  let worst = 0;
  let at = 0;
  for (let i = 0; i < expected.length; i++) {
    const error = Math.abs(actual[i]! - expected[i]!);
    if (!(error <= worst)) [worst, at] = [error, i];
  }
  assert.ok(
    worst <= tolerance * scale,
    `${what}: element ${at} is ${actual[at]}, expected ${expected[at]} ` +
      `(relative error ${worst / scale} > ${tolerance})`,
  );
}

for (const golden of goldens.cases) {
  Deno.test(`${golden.id} matches the diffusers full loop`, () => {
    const scheduler = createScheduler(golden.scheduler, golden.config);
    scheduler.setTimesteps(golden.num_inference_steps);

    if (golden.timesteps_dtype === "int64") {
      assert.deepEqual([...scheduler.timesteps], golden.timesteps, "timesteps");
    } else {
      // Float timesteps pass through PyTorch's SIMD log/exp (KDPM2's midpoints), which are not
      // correctly rounded: allow a few float32 ulps.
      assert.equal(scheduler.timesteps.length, golden.timesteps.length, "timesteps length");
      for (const [i, t] of golden.timesteps.entries()) {
        assertClose([scheduler.timesteps[i]!], [t], 1e-6, `timestep ${i}`);
      }
    }
    assertClose([scheduler.initNoiseSigma], [golden.init_noise_sigma], 1e-6, "initNoiseSigma");
    if (golden.sigmas) {
      const sigmas = (scheduler as { sigmas?: ArrayLike<number> | null }).sigmas;
      assert.ok(sigmas, "the scheduler exposes its sigmas");
      const read = golden.sigmas.flatMap((s, i) => (s === "NaN" ? [] : [[i, s] as const]));
      assertClose(read.map(([i]) => sigmas[i]!), read.map(([, s]) => s), 1e-6, "sigmas");
      assert.equal(sigmas.length, golden.sigmas.length, "sigmas length");
    }

    const draws: number[] = [];
    const base = golden.seed === null ? null : createGenerator(golden.seed);
    let stepIndex = 0;
    const generator = {
      randn(shape: readonly number[]): Float32Array {
        assert.deepEqual([...shape], [...SHAPE], "noise is drawn with the sample's full shape");
        draws.push(stepIndex);
        if (base === null) throw new Error("this case must not draw noise");
        return base.randn(shape);
      },
    };

    let sample: Float32Array = dummySample().map((v) => f32(v * f32(scheduler.initNoiseSigma)));
    for (const [i, t] of scheduler.timesteps.entries()) {
      stepIndex = i;
      const input = scheduler.scaleModelInput(sample, t);
      const output = dummyModel(input, t);
      sample = scheduler.step(output, t, sample, {
        ...golden.step_kwargs,
        generator,
        shape: SHAPE,
      }).prevSample;
      const expected = golden.steps[i]!;
      let absSum = 0;
      for (const v of sample) absSum += Math.abs(v);
      // Only a guard that names the first step going wrong: DEIS order 3 evaluates a
      // cancellation-prone float32 formula through NumPy's SIMD log, so its intermediate
      // samples drift up to ~1.3e-5 before the final sample settles back within 1e-5.
      assertClose([absSum], [expected.abs_sum], 1e-4, `Σ|x| after step ${i} (t = ${t})`);
      if (i === 0) assertClose(sample.slice(0, 8), golden.first8_after_step1, 1e-5, "first 8");
    }
    assert.equal(golden.steps.length, scheduler.timesteps.length, "step calls");
    assertClose(sample, golden.final_sample, 1e-5, "final sample");
    assert.deepEqual(draws, golden.noise_draw_steps ?? [], "steps that draw noise");
  });
}
