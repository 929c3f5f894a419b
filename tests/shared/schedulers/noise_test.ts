import assert from "node:assert/strict";
import { readFixtureJson } from "../../_fixtures.ts";
import { createScheduler, type NoiseGenerator } from "../../../shared/schedulers/mod.ts";

interface NoiseCase {
  id: string;
  scheduler: string;
  config: Record<string, unknown>;
  num_inference_steps: number;
  step_kwargs: Record<string, number>;
  seed: number | null;
  final_sample: number[];
  noise_draw_steps?: number[];
  noise?: { step: number; values: number[] }[];
}

const { cases, base_configs: bases } = await readFixtureJson<{
  cases: NoiseCase[];
  base_configs: { sd15: Record<string, unknown> };
}>("schedulers/diffusers_goldens.json");
const SHAPE = [4, 3, 8, 8];
const f32 = Math.fround;

function dummySample(): Float32Array {
  const out = new Float32Array(768);
  for (let i = 0; i < 768; i++) {
    const [b, c, h, w] = [
      Math.floor(i / 192),
      Math.floor(i / 64) % 3,
      Math.floor(i / 8) % 8,
      i % 8,
    ];
    out[i] = f32((((c * 8 + h) * 8 + w) * 4 + b) / 768);
  }
  return out;
}

/** A generator that hands out the noise diffusers drew, recording when and with which shape. */
function replay(noise: { step: number; values: number[] }[]) {
  const calls: { step: number; shape: number[] }[] = [];
  let step = -1;
  const generator: NoiseGenerator = {
    randn(shape) {
      calls.push({ step, shape: [...shape] });
      const drawn = noise.find((n) => n.step === step);
      if (!drawn) throw new Error(`diffusers drew no noise at step ${step}`);
      return Float32Array.from(drawn.values);
    },
  };
  return { generator, calls, at: (i: number) => (step = i) };
}

for (const golden of cases.filter((c) => c.seed !== null)) {
  Deno.test(`${golden.id} draws diffusers' noise at the same steps with the full shape`, () => {
    const scheduler = createScheduler(golden.scheduler, golden.config);
    scheduler.setTimesteps(golden.num_inference_steps);
    const { generator, calls, at } = replay(golden.noise!);
    let sample: Float32Array = dummySample().map((v) => v * scheduler.initNoiseSigma);
    for (const [i, t] of scheduler.timesteps.entries()) {
      at(i);
      const x = scheduler.scaleModelInput(sample, t);
      const output = x.map((v) => f32(f32(v * f32(t)) / f32(f32(t) + 1)));
      sample = scheduler.step(output, t, sample, { ...golden.step_kwargs, generator, shape: SHAPE })
        .prevSample;
    }
    assert.deepEqual(calls.map((c) => c.step), golden.noise_draw_steps);
    for (const call of calls) assert.deepEqual(call.shape, SHAPE);
    const scale = Math.max(...golden.final_sample.map(Math.abs));
    const worst = Math.max(...golden.final_sample.map((v, i) => Math.abs(sample[i]! - v)));
    assert.ok(worst <= 1e-5 * scale, `relative error ${worst / scale}`);
  });
}

Deno.test("DDIMScheduler.step() draws one full-shape tensor per step only when eta > 0", () => {
  const scheduler = createScheduler("ddim", bases.sd15);
  scheduler.setTimesteps(5);
  const shapes: number[][] = [];
  const generator: NoiseGenerator = {
    randn: (shape) => (shapes.push([...shape]), new Float32Array(768).fill(1)),
  };
  const sample = dummySample();
  const [t] = scheduler.timesteps;
  const still = scheduler.step(sample, t!, sample, { eta: 0, generator }).prevSample;
  assert.equal(shapes.length, 0);
  const noisy = scheduler.step(sample, t!, sample, { eta: 1, generator, shape: SHAPE }).prevSample;
  assert.deepEqual(shapes, [SHAPE]);
  assert.ok(noisy.some((v, i) => v !== still[i]));
  scheduler.step(sample, t!, sample, { eta: 1, generator });
  assert.deepEqual(shapes[1], [768], "without 'shape' the flat length is drawn");
});

Deno.test("stochastic steps without a generator or with a mismatched shape are rejected", () => {
  for (const [name, options] of [["euler_a", {}], ["lcm", {}], ["ddim", { eta: 0.5 }]] as const) {
    const scheduler = createScheduler(name, bases.sd15);
    scheduler.setTimesteps(4);
    const sample = dummySample();
    const t = scheduler.timesteps[0]!;
    assert.throws(() => scheduler.step(sample, t, sample, options), TypeError, name);
  }
  const scheduler = createScheduler("euler_a", bases.sd15);
  scheduler.setTimesteps(4);
  const generator: NoiseGenerator = { randn: () => new Float32Array(768) };
  const sample = dummySample();
  assert.throws(
    () => scheduler.step(sample, scheduler.timesteps[0]!, sample, { generator, shape: [4, 3, 8] }),
    RangeError,
  );
});
