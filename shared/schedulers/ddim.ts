/**
 * DDIM (Song et al. 2021, "Denoising Diffusion Implicit Models"): diffusers' `DDIMScheduler`.
 * η = 0 is the deterministic sampler; η > 0 adds fresh noise at every step.
 *
 * @module
 */

import { AlphaScheduler, AlphaState, splitPrediction } from "./_alpha_state.ts";
import { spacedTimesteps } from "./_schedule.ts";
import { checkInferenceSteps, clampInPlace, drawNoise } from "./_common.ts";
import type { SchedulerConfig, StepOptions, StepOutput } from "./types.ts";

const f32 = Math.fround;

/** DDIM sampler; see the module comment. */
export class DDIMScheduler extends AlphaScheduler {
  readonly name = "DDIMScheduler";
  readonly order = 1;
  readonly #state: AlphaState;

  constructor(config: Readonly<SchedulerConfig>) {
    const state = new AlphaState(config);
    super(state);
    this.#state = state;
  }

  setTimesteps(numInferenceSteps: number): void {
    const state = this.#state;
    checkInferenceSteps(numInferenceSteps, this.config.numTrainTimesteps);
    state.count = numInferenceSteps;
    state.cursor.reset();
    state.timesteps = spacedTimesteps(this.config, numInferenceSteps, "discrete");
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
    const eta = options.eta ?? 0;
    if (!(eta >= 0)) {
      throw new RangeError(
        `Cannot step ${this.name} as 'eta' must be >= 0: current value is ${eta}`,
      );
    }
    const prevTimestep = timestep - Math.floor(config.numTrainTimesteps / state.count!);
    const alphaProd = this.#alphaAt(timestep);
    const alphaPrev = state.alphaPrev(prevTimestep);
    const { original, epsilon } = splitPrediction(config, modelOutput, sample, alphaProd);
    if (config.clipSample) clampInPlace(original, config.clipSampleRange);

    const betaProd = f32(1 - alphaProd);
    const variance = f32(
      f32(f32(1 - alphaPrev) / betaProd) * f32(1 - f32(alphaProd / alphaPrev)),
    );
    const stdDev = f32(eta * f32(Math.sqrt(variance)));
    const direction = f32(Math.sqrt(f32(f32(1 - alphaPrev) - f32(stdDev * stdDev))));
    const sqrtPrev = f32(Math.sqrt(alphaPrev));
    const prevSample = new Float32Array(sample.length);
    for (let i = 0; i < sample.length; i++) {
      prevSample[i] = f32(sqrtPrev * original[i]!) + f32(direction * epsilon[i]!);
    }
    if (eta > 0) {
      const noise = drawNoise(this.name, sample.length, options);
      for (let i = 0; i < sample.length; i++) prevSample[i] = prevSample[i]! + stdDev * noise[i]!;
    }
    return { prevSample, predOriginalSample: original };
  }

  #alphaAt(timestep: number): number {
    const value = this.#state.alphasCumprod[timestep];
    if (!Number.isInteger(timestep) || value === undefined) {
      throw new RangeError(
        `Cannot step ${this.name} as 'timestep' must be an integer in ` +
          `[0, ${this.config.numTrainTimesteps}): current value is ${timestep}`,
      );
    }
    return value;
  }
}
