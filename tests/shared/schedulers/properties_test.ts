/**
 * Properties every scheduler keeps whatever the numbers: names and aliases construct, schedules
 * stay inside the training range in order, bad arguments and config values are RangeErrors,
 * a scheduler is reusable after `setTimesteps`, and inputs are never mutated.
 */
import assert from "node:assert/strict";
import { readFixtureJson } from "../../_fixtures.ts";
import { createScheduler, schedulerNames } from "../../../shared/schedulers/mod.ts";
import type { Scheduler } from "../../../shared/schedulers/mod.ts";
import { createGenerator } from "../../../shared/rng/mod.ts";

const { base_configs: baseConfigs } = await readFixtureJson<{
  base_configs: { sd15: Record<string, unknown> };
}>("schedulers/diffusers_goldens.json");
const SD15 = baseConfigs.sd15;

const CLASSES = [
  "DDIMScheduler",
  "PNDMScheduler",
  "EulerDiscreteScheduler",
  "EulerAncestralDiscreteScheduler",
  "LMSDiscreteScheduler",
  "HeunDiscreteScheduler",
  "DPMSolverMultistepScheduler",
  "UniPCMultistepScheduler",
  "LCMScheduler",
  "KDPM2DiscreteScheduler",
  "DEISMultistepScheduler",
];
const ALIASES: Record<string, string> = {
  ddim: "DDIMScheduler",
  pndm: "PNDMScheduler",
  plms: "PNDMScheduler",
  lms: "LMSDiscreteScheduler",
  euler: "EulerDiscreteScheduler",
  euler_a: "EulerAncestralDiscreteScheduler",
  heun: "HeunDiscreteScheduler",
  dpmpp_2m: "DPMSolverMultistepScheduler",
  dpmpp_2m_karras: "DPMSolverMultistepScheduler",
  unipc: "UniPCMultistepScheduler",
  lcm: "LCMScheduler",
  kdpm2: "KDPM2DiscreteScheduler",
  deis: "DEISMultistepScheduler",
};
/** Schedulers whose diffusers timesteps repeat an entry (two model calls per step, or PLMS). */
const REPEATING = new Set(["PNDMScheduler", "HeunDiscreteScheduler"]);
const SHAPE = [1, 4, 4, 4] as const;

/** A deterministic sample and a toy model, enough to drive every code path of `step`. */
function input(length: number, phase: number): Float32Array {
  return Float32Array.from({ length }, (_, i) => Math.sin(i * 0.37 + phase));
}

/** Runs a whole loop and returns every intermediate sample. */
function run(scheduler: Scheduler, steps: number, seed = 7): Float32Array[] {
  scheduler.setTimesteps(steps);
  const generator = createGenerator(seed);
  let sample: Float32Array = input(64, 0).map((v) => v * scheduler.initNoiseSigma);
  const trace: Float32Array[] = [];
  for (const t of scheduler.timesteps) {
    const x = scheduler.scaleModelInput(sample, t);
    const output = x.map((v, i) => 0.5 * v + 0.1 * Math.cos(i + t / 100));
    sample = scheduler.step(output, t, sample, { generator, shape: SHAPE, eta: 0.5 }).prevSample;
    trace.push(sample);
  }
  return trace;
}

Deno.test("schedulerNames() lists every diffusers class, and every class and alias constructs", () => {
  const names = schedulerNames();
  for (const name of CLASSES) assert.ok(names.includes(name), `${name} is listed`);
  for (const name of [...CLASSES, ...Object.keys(ALIASES)]) {
    const scheduler = createScheduler(name, SD15);
    assert.equal(scheduler.name, ALIASES[name] ?? name);
    scheduler.setTimesteps(10);
    assert.ok(scheduler.timesteps.length >= 10);
  }
});

Deno.test("dpmpp_2m_karras uses Karras sigmas (timesteps from diffusers' formulas)", () => {
  const karras = createScheduler("dpmpp_2m_karras", SD15);
  karras.setTimesteps(10);
  // numpy run of DPMSolverMultistepScheduler.set_timesteps with use_karras_sigmas=True over the
  // fixture's float32 SD 1.5 alphas_cumprod.
  assert.deepEqual([...karras.timesteps], [999, 916, 815, 687, 523, 327, 146, 41, 7, 0]);
  const plain = createScheduler("DPMSolverMultistepScheduler", SD15);
  plain.setTimesteps(10);
  assert.notDeepEqual([...plain.timesteps], [...karras.timesteps]);
});

Deno.test("timesteps lie in [0, num_train_timesteps) and never increase", () => {
  for (const name of CLASSES) {
    for (const steps of [1, 2, 7, 25, 50]) {
      const scheduler = createScheduler(name, SD15);
      scheduler.setTimesteps(steps);
      const ts = scheduler.timesteps;
      assert.ok(ts.length >= steps, `${name}@${steps}: one entry per step call at least`);
      for (const [i, t] of ts.entries()) {
        assert.ok(t >= 0 && t < 1000, `${name}@${steps}: timestep ${t} in range`);
        const next = ts[i + 1];
        if (next === undefined) continue;
        if (REPEATING.has(name)) assert.ok(next <= t, `${name}@${steps}: ${next} <= ${t}`);
        else assert.ok(next < t, `${name}@${steps}: ${next} < ${t} strictly`);
      }
    }
  }
});

Deno.test("setTimesteps() rejects step counts outside [1, num_train_timesteps] with RangeError", () => {
  for (const name of CLASSES) {
    const scheduler = createScheduler(name, SD15);
    // LCM distils a fixed `original_inference_steps` schedule and cannot take more steps.
    const max = name === "LCMScheduler" ? 50 : 1000;
    for (const bad of [0, -3, max + 1, 2.5, Number.NaN]) {
      assert.throws(() => scheduler.setTimesteps(bad), RangeError, `${name} rejects ${bad}`);
    }
    scheduler.setTimesteps(max);
  }
  const small = createScheduler("EulerDiscreteScheduler", { ...SD15, num_train_timesteps: 100 });
  assert.throws(() => small.setTimesteps(101), RangeError);
});

Deno.test("setTimesteps() again resets all state: a second loop repeats the first exactly", () => {
  for (const name of CLASSES) {
    const scheduler = createScheduler(name, SD15);
    const first = run(scheduler, 8);
    const second = run(scheduler, 8);
    assert.deepEqual(second, first, name);
    const fresh = run(createScheduler(name, SD15), 8);
    assert.deepEqual(fresh, first, `${name} matches a fresh instance`);
    assert.ok(first.at(-1)!.every(Number.isFinite), `${name} stays finite`);
  }
});

Deno.test("scaleModelInput() and step() return new arrays and never mutate their inputs", () => {
  for (const name of CLASSES) {
    const scheduler = createScheduler(name, SD15);
    scheduler.setTimesteps(6);
    const generator = createGenerator(3);
    let sample: Float32Array = input(64, 1);
    for (const t of scheduler.timesteps) {
      const before = sample.slice();
      const scaled = scheduler.scaleModelInput(sample, t);
      assert.notEqual(scaled, sample, `${name}: scaleModelInput returns a new array`);
      assert.deepEqual(sample, before, `${name}: scaleModelInput leaves the sample alone`);
      const output = input(64, t);
      const outputBefore = output.slice();
      const result = scheduler.step(output, t, sample, { generator, shape: SHAPE, eta: 1 });
      assert.deepEqual(sample, before, `${name}: step leaves the sample alone`);
      assert.deepEqual(output, outputBefore, `${name}: step leaves the model output alone`);
      assert.notEqual(result.prevSample, sample);
      assert.notEqual(result.prevSample, output);
      sample = result.prevSample;
    }
  }
});

Deno.test("unknown config keys are ignored, as diffusers' from_config does", () => {
  const extra = { ...SD15, _class_name: "PNDMScheduler", _diffusers_version: "0.6.0", foo: [1] };
  for (const name of CLASSES) {
    const plain = createScheduler(name, SD15);
    const noisy = createScheduler(name, extra);
    plain.setTimesteps(10);
    noisy.setTimesteps(10);
    assert.deepEqual(noisy.timesteps, plain.timesteps, name);
  }
});

Deno.test("bad config values and unknown scheduler names are RangeErrors", () => {
  const bad: Record<string, unknown>[] = [
    { beta_schedule: "cosine" },
    { prediction_type: "x0" },
    { timestep_spacing: "middle" },
    { num_train_timesteps: 0 },
    { num_train_timesteps: 10.5 },
    { beta_start: "0.1" },
    { steps_offset: -1 },
  ];
  for (const name of CLASSES) {
    for (const override of bad) {
      assert.throws(
        () => createScheduler(name, { ...SD15, ...override }),
        RangeError,
        `${name} rejects ${JSON.stringify(override)}`,
      );
    }
  }
  for (const name of ["DPMSolverMultistepScheduler", "UniPCMultistepScheduler"]) {
    assert.throws(() => createScheduler(name, { ...SD15, solver_order: 0 }), RangeError);
  }
  assert.throws(() => createScheduler("NoSuchScheduler", SD15), RangeError);
});
