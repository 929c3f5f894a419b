import assert from "node:assert/strict";
import { readFixtureJson } from "../../_fixtures.ts";
import { asFloat32, readFixtureNpy } from "../../_npy.ts";
import {
  createScheduler,
  type Scheduler,
  timestepsForStrength,
} from "../../../shared/schedulers/mod.ts";

interface AddNoiseCase {
  name: string;
  scheduler: { config_passed: Record<string, unknown>; order: number };
  steps: number;
  timesteps_full: number[];
  strengths: {
    strength: number;
    t_start: number;
    num_inference_steps_after: number;
    timesteps_truncated: number[];
    latent_timestep: number[];
  }[];
  arrays: Record<string, { file: string }>;
  tolerance: { max_abs: number };
}

const DIR = "img2img/golden";
const index = await readFixtureJson<{ add_noise: AddNoiseCase[] }>(`${DIR}/index.json`);

async function array(c: AddNoiseCase, name: string): Promise<Float32Array> {
  return asFloat32(await readFixtureNpy(`${DIR}/${c.arrays[name]!.file}`));
}

function fresh(c: AddNoiseCase): Scheduler {
  const scheduler = createScheduler(c.name, c.scheduler.config_passed);
  scheduler.setTimesteps(c.steps);
  return scheduler;
}

/**
 * Timesteps equal diffusers' float32 values; KDPM2's interpolated midpoints are computed through
 * torch's vectorised log/exp and may differ by 2 ulp (11.2025156 vs 11.2025175), hence relative
 * 1e-6 rather than bit equality for non-integers.
 */
function assertTimesteps(actual: readonly number[], expected: readonly number[]): void {
  assert.equal(actual.length, expected.length);
  for (const [i, t] of expected.entries()) {
    const ok = Number.isInteger(t)
      ? actual[i] === t
      : Math.abs(actual[i]! - t) <= 1e-6 * Math.abs(t);
    assert.ok(ok, `timestep ${i}: ${actual[i]} vs ${t}`);
  }
}

function maxAbs(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
}

Deno.test("the add_noise goldens cover all 11 diffusers classes that have add_noise", () => {
  assert.equal(index.add_noise.length, 11);
});

for (const c of index.add_noise) {
  Deno.test(`${c.name}.addNoise() matches diffusers for each strength's first timestep`, async () => {
    const original = await array(c, "original_samples");
    const noise = await array(c, "noise");
    const expected = await array(c, "out_by_strength");
    assertTimesteps(fresh(c).timesteps, c.timesteps_full);
    assert.equal(fresh(c).order, c.scheduler.order);
    const row = original.length;
    for (const [i, s] of c.strengths.entries()) {
      const scheduler = fresh(c);
      const schedule = timestepsForStrength(scheduler, s.strength);
      assertTimesteps(schedule.timesteps, s.timesteps_truncated);
      assert.equal(schedule.beginIndex, s.t_start * c.scheduler.order);
      assert.equal(schedule.steps, s.num_inference_steps_after);
      assert.equal(schedule.latentTimestep, Math.fround(s.latent_timestep[0]!));
      const out = scheduler.addNoise(original, noise, [
        schedule.latentTimestep,
        schedule.latentTimestep,
      ]);
      const diff = maxAbs(out, expected.subarray(i * row, (i + 1) * row));
      assert.ok(diff <= c.tolerance.max_abs, `strength ${s.strength}: max abs ${diff}`);
    }
  });

  Deno.test(`${c.name}.addNoise() matches diffusers with one timestep per batch row`, async () => {
    const original = await array(c, "original_samples");
    const noise = await array(c, "noise");
    const timesteps = [...await array(c, "per_sample_timesteps")];
    const out = fresh(c).addNoise(original, noise, timesteps);
    const diff = maxAbs(out, await array(c, "out_per_sample"));
    assert.ok(diff <= c.tolerance.max_abs, `max abs ${diff}`);
  });
}

Deno.test("timestepsForStrength() refuses a strength outside (0, 1] or one that leaves no step", () => {
  const scheduler = createScheduler("DDIMScheduler", index.add_noise[0]!.scheduler.config_passed);
  scheduler.setTimesteps(10);
  for (const strength of [0, -0.5, 1.01, Number.NaN]) {
    assert.throws(() => timestepsForStrength(scheduler, strength), /'strength'.*\(0, 1\]/);
  }
  assert.throws(() => timestepsForStrength(scheduler, 0.05), /leaves no denoising step/);
  assert.throws(
    () => createScheduler("DDIMScheduler", {}).setBeginIndex(0),
    /after 'setTimesteps'/,
  );
});

Deno.test("addNoise() refuses a timestep count that does not divide the batch", () => {
  const scheduler = createScheduler("EulerDiscreteScheduler", {});
  scheduler.setTimesteps(10);
  const x = new Float32Array(6);
  assert.throws(() => scheduler.addNoise(x, x, [999, 888, 777, 666]), /one timestep per batch row/);
  assert.throws(() => scheduler.addNoise(x, x, [5]), /Cannot find timestep 5/);
});
