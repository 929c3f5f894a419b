/**
 * Latent Consistency Model sampling (Luo et al. 2023): diffusers' `LCMScheduler`. Each step maps
 * the sample to the consistency function's x₀ estimate, then re-noises it to the next timestep
 * with fresh noise; the last step returns the estimate itself.
 *
 * @module
 */

import { AlphaScheduler, AlphaState, splitPrediction } from "./_alpha_state.ts";
import { checkInferenceSteps, clampInPlace, combine, drawNoise } from "./_common.ts";
import type { SchedulerConfig, StepOptions, StepOutput } from "./types.ts";

const f32 = Math.fround;

/** LCM sampler; see the module comment. */
export class LCMScheduler extends AlphaScheduler {
  readonly name = "LCMScheduler";
  readonly order = 1;
  readonly #state: AlphaState;

  constructor(config: Readonly<SchedulerConfig>) {
    const state = new AlphaState(config);
    super(state);
    this.#state = state;
  }

  /** Spreads `numInferenceSteps` over the distillation schedule of `original_inference_steps`. */
  setTimesteps(numInferenceSteps: number): void {
    const state = this.#state;
    const { numTrainTimesteps, originalInferenceSteps } = this.config;
    checkInferenceSteps(numInferenceSteps, Math.min(numTrainTimesteps, originalInferenceSteps));
    const k = Math.floor(numTrainTimesteps / originalInferenceSteps);
    const origin = Array.from({ length: originalInferenceSteps }, (_, i) => (i + 1) * k - 1)
      .reverse();
    const stride = origin.length / numInferenceSteps;
    state.timesteps = Array.from(
      { length: numInferenceSteps },
      (_, i) => origin[Math.floor(i * stride)]!,
    );
    state.count = numInferenceSteps;
    state.cursor.reset();
  }

  step(
    modelOutput: Float32Array,
    timestep: number,
    sample: Float32Array,
    options: StepOptions = {},
  ): StepOutput {
    const state = this.#state;
    state.check(this.name, modelOutput, sample);
    const { config } = this;
    const index = state.cursor.locate(state.timesteps, timestep);
    const prevTimestep = state.timesteps[index + 1] ?? timestep;
    const alphaProd = state.alphasCumprod[timestep]!;
    const alphaPrev = state.alphaPrev(prevTimestep);
    // Boundary-condition scalings with σ_data = 0.5.
    const scaled = f32(timestep * config.timestepScaling);
    const denominator = f32(f32(scaled * scaled) + 0.25);
    const cSkip = f32(0.25 / denominator);
    const cOut = f32(scaled / f32(Math.sqrt(denominator)));
    const { original } = splitPrediction(config, modelOutput, sample, alphaProd);
    if (config.clipSample) clampInPlace(original, config.clipSampleRange);
    const denoised = combine([[cOut, original], [cSkip, sample]]);
    let prevSample = denoised;
    if (index !== state.count! - 1) {
      const noise = drawNoise(this.name, sample.length, options);
      prevSample = combine([
        [f32(Math.sqrt(alphaPrev)), denoised],
        [f32(Math.sqrt(f32(1 - alphaPrev))), noise],
      ]);
    }
    state.cursor.advance();
    return { prevSample, predOriginalSample: denoised };
  }
}
