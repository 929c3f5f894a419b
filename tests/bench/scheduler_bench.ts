/**
 * Benchmarks of one scheduler step on the latents of one 512 × 512 image ([1, 4, 64, 64]): Euler
 * and DPM-Solver++ 2M, the two most used samplers, at the middle of a 25-step schedule.
 */
import { createScheduler } from "../../shared/schedulers/mod.ts";
import type { Scheduler } from "../../shared/schedulers/mod.ts";

const SD15 = {
  beta_start: 0.00085,
  beta_end: 0.012,
  beta_schedule: "scaled_linear",
  num_train_timesteps: 1000,
  steps_offset: 1,
  prediction_type: "epsilon",
};
const SHAPE = [1, 4, 64, 64] as const;
const LENGTH = 4 * 64 * 64;
const sample = Float32Array.from({ length: LENGTH }, (_, i) => Math.sin(i * 0.37));
const modelOutput = Float32Array.from({ length: LENGTH }, (_, i) => Math.cos(i * 0.11));

/** A scheduler warmed up to step 12 of 25, so multistep history is full. */
function warmed(name: string): { scheduler: Scheduler; timestep: number } {
  const scheduler = createScheduler(name, SD15);
  scheduler.setTimesteps(25);
  let x: Float32Array = sample;
  const ts = scheduler.timesteps;
  for (const t of ts.slice(0, 12)) {
    x = scheduler.step(modelOutput, t, x, { shape: SHAPE }).prevSample;
  }
  return { scheduler, timestep: ts[12]! };
}

for (const name of ["euler", "dpmpp_2m"]) {
  Deno.bench(`${name}: scaleModelInput + step on [1, 4, 64, 64]`, { group: "step" }, (b) => {
    const { scheduler, timestep } = warmed(name);
    b.start();
    scheduler.scaleModelInput(sample, timestep);
    scheduler.step(modelOutput, timestep, sample, { shape: SHAPE });
    b.end();
  });
}
