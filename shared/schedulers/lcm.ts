/**
 * Latent Consistency Model sampling (Luo et al. 2023): diffusers' `LCMScheduler`. Each step maps
 * the sample to the consistency function's x₀ estimate, then re-noises it to the next timestep
 * with fresh noise; the last step returns the estimate itself.
 *
 * @module
 */

import { alphasCumprod, betasFor } from "./_schedule.ts";
import { splitPrediction } from "./ddim.ts";
import { checkStepInputs, clampInPlace, combine, drawNoise, StepCursor } from "./_common.ts";
import type { Scheduler, SchedulerConfig, StepOptions, StepOutput } from "./types.ts";

const f32 = Math.fround;

/** LCM sampler; see the module comment. */
export class LCMScheduler implements Scheduler {
  readonly name = "LCMScheduler";
  readonly order = 1;
  readonly initNoiseSigma = 1;
  readonly sigmas = null;
  readonly config: Readonly<SchedulerConfig>;
  #alphasCumprod: Float32Array;
  #finalAlphaCumprod: number;
  #timesteps: number[] = [];
  #count: number | null = null;
  #cursor = new StepCursor();

  constructor(config: Readonly<SchedulerConfig>) {
    this.config = config;
    this.#alphasCumprod = alphasCumprod(betasFor(config));
    this.#finalAlphaCumprod = config.setAlphaToOne ? 1 : this.#alphasCumprod[0]!;
  }

  get numInferenceSteps(): number | null {
    return this.#count;
  }

  get timesteps(): number[] {
    return [...this.#timesteps];
  }

  /** Spreads `numInferenceSteps` over the distillation schedule of `original_inference_steps`. */
  setTimesteps(numInferenceSteps: number): void {
    const { numTrainTimesteps, originalInferenceSteps } = this.config;
    const max = Math.min(numTrainTimesteps, originalInferenceSteps);
    if (!Number.isInteger(numInferenceSteps) || numInferenceSteps < 1 || numInferenceSteps > max) {
      throw new RangeError(
        `Cannot set timesteps as 'numInferenceSteps' must be an integer in [1, ${max}]: ` +
          `current value is ${numInferenceSteps}`,
      );
    }
    const k = Math.floor(numTrainTimesteps / originalInferenceSteps);
    const origin = Array.from({ length: originalInferenceSteps }, (_, i) => (i + 1) * k - 1)
      .reverse();
    const stride = origin.length / numInferenceSteps;
    this.#timesteps = Array.from(
      { length: numInferenceSteps },
      (_, i) => origin[Math.floor(i * stride)]!,
    );
    this.#count = numInferenceSteps;
    this.#cursor.reset();
  }

  scaleModelInput(sample: Float32Array, _timestep: number): Float32Array {
    return sample.slice();
  }

  step(
    modelOutput: Float32Array,
    timestep: number,
    sample: Float32Array,
    options: StepOptions = {},
  ): StepOutput {
    checkStepInputs(this.name, this.#count !== null, modelOutput, sample);
    const { config } = this;
    const index = this.#cursor.locate(this.#timesteps, timestep);
    const prevTimestep = this.#timesteps[index + 1] ?? timestep;
    const alphaProd = this.#alphasCumprod[timestep]!;
    const alphaPrev = prevTimestep >= 0
      ? this.#alphasCumprod[prevTimestep]!
      : this.#finalAlphaCumprod;
    // Boundary-condition scalings with σ_data = 0.5.
    const scaled = f32(timestep * config.timestepScaling);
    const denominator = f32(f32(scaled * scaled) + 0.25);
    const cSkip = f32(0.25 / denominator);
    const cOut = f32(scaled / f32(Math.sqrt(denominator)));
    const { original } = splitPrediction(config, modelOutput, sample, alphaProd);
    if (config.clipSample) clampInPlace(original, config.clipSampleRange);
    const denoised = combine([[cOut, original], [cSkip, sample]]);
    let prevSample = denoised;
    if (index !== this.#count! - 1) {
      const noise = drawNoise(this.name, sample.length, options);
      prevSample = combine([
        [f32(Math.sqrt(alphaPrev)), denoised],
        [f32(Math.sqrt(f32(1 - alphaPrev))), noise],
      ]);
    }
    this.#cursor.advance();
    return { prevSample, predOriginalSample: denoised };
  }
}
