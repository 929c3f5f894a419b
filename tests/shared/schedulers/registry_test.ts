import assert from "node:assert/strict";
import { readFixtureJson } from "../../_fixtures.ts";
import { createScheduler } from "../../../shared/schedulers/mod.ts";

const { base_configs: bases, schedules } = await readFixtureJson<{
  base_configs: { sd15: Record<string, unknown> };
  schedules: { sd15: { alphas_cumprod: number[] } };
}>("schedulers/diffusers_goldens.json");
const SD15 = bases.sd15;
const trainSigma = (t: number) => {
  const a = Math.fround(schedules.sd15.alphas_cumprod[t]!);
  return Math.fround(Math.sqrt(Math.fround(Math.fround(1 - a) / a)));
};

Deno.test("createScheduler() rejects invalid config values with a RangeError naming the key", () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ["ddim", { beta_start: -0.1 }, /'beta_start'/],
    ["euler", { beta_end: 1.5 }, /'beta_end'/],
    ["lms", { beta_schedule: "sigmoid" }, /'beta_schedule'/],
    ["dpmpp_2m", { prediction_type: "flow" }, /'prediction_type'/],
    ["unipc", { num_train_timesteps: 999.5 }, /'num_train_timesteps'/],
    ["heun", { trained_betas: [0.1, 0.2] }, /'trained_betas'/],
    ["ddim", { thresholding: true }, /'thresholding'/],
    ["euler", { use_exponential_sigmas: true }, /'use_exponential_sigmas'/],
    ["DPMSolverMultistepScheduler", { algorithm_type: "sde-dpmsolver++" }, /'algorithm_type'/],
  ];
  for (const [name, override, message] of cases) {
    assert.throws(() => createScheduler(name, { ...SD15, ...override }), RangeError, name);
    assert.throws(() => createScheduler(name, { ...SD15, ...override }), message);
  }
  assert.throws(() => createScheduler("ddim", null as never), TypeError);
});

Deno.test("keys a class does not take are ignored, as diffusers' from_config does", () => {
  // `skip_prk_steps` and `set_alpha_to_one` mean nothing to Euler; a bad value must not matter.
  const euler = createScheduler("euler", { ...SD15, set_alpha_to_one: "yes", solver_order: 9 });
  euler.setTimesteps(10);
  assert.equal(euler.timesteps.length, 10);
});

Deno.test("dpmpp_2m_karras runs DPM-Solver++ on a Karras sigma ramp between the table's ends", () => {
  const karras = createScheduler("dpmpp_2m_karras", SD15);
  karras.setTimesteps(12);
  const sigmas = karras.sigmas!;
  assert.equal(sigmas.length, 13);
  assert.ok(Math.abs(sigmas[0]! - trainSigma(999)) <= 1e-6 * sigmas[0]!);
  assert.ok(Math.abs(sigmas[11]! - trainSigma(0)) <= 1e-6 * sigmas[11]!);
  assert.equal(sigmas[12], 0);
  // Karras: σ^(1/7) is linear in the step index.
  const roots = sigmas.slice(0, 12).map((s) => s ** (1 / 7));
  for (let i = 1; i < 11; i++) {
    assert.ok(Math.abs(roots[i + 1]! - 2 * roots[i]! + roots[i - 1]!) < 1e-5, `step ${i}`);
  }
  const plain = createScheduler("dpmpp_2m", { ...SD15, use_karras_sigmas: true });
  plain.setTimesteps(12);
  assert.notDeepEqual(plain.sigmas, sigmas, "the dpmpp_2m alias pins plain sigmas");
});

Deno.test("plms and pndm aliases skip the Runge-Kutta warm-up; the class keeps the config's", () => {
  for (const alias of ["plms", "pndm"]) {
    const scheduler = createScheduler(alias, { ...SD15, skip_prk_steps: false });
    scheduler.setTimesteps(10);
    assert.equal(scheduler.timesteps.length, 11, alias);
  }
  const prk = createScheduler("PNDMScheduler", { ...SD15, skip_prk_steps: false });
  prk.setTimesteps(10);
  assert.equal(prk.timesteps.length, 19);
});

Deno.test("LCMScheduler.setTimesteps() rejects more steps than original_inference_steps", () => {
  const lcm = createScheduler("lcm", SD15);
  assert.throws(() => lcm.setTimesteps(51), RangeError);
  lcm.setTimesteps(50);
  assert.equal(new Set(lcm.timesteps).size, 50);
});

Deno.test("step() before setTimesteps() and mismatched lengths are RangeErrors", () => {
  const scheduler = createScheduler("euler", SD15);
  const sample = new Float32Array(16);
  assert.throws(() => scheduler.step(sample, 999, sample), RangeError);
  scheduler.setTimesteps(5);
  assert.throws(() => scheduler.step(new Float32Array(8), 999, sample), RangeError);
});
