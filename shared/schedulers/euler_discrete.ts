/**
 * Euler's method on the probability-flow ODE in σ (Karras et al. 2022, Algorithm 2 without
 * churn): diffusers' `EulerDiscreteScheduler`, optionally on Karras σ.
 *
 * @module
 */

import { SigmaScheduler, SigmaState } from "./_sigma_state.ts";
import type { SchedulerConfig, StepOptions, StepOutput } from "./types.ts";

const f32 = Math.fround;

/** Euler sampler; see the module comment. */
export class EulerDiscreteScheduler extends SigmaScheduler {
  readonly name = "EulerDiscreteScheduler";
  readonly order = 1;
  readonly #state: SigmaState;

  constructor(config: Readonly<SchedulerConfig>) {
    const state = new SigmaState(config);
    super(state);
    this.#state = state;
  }

  setTimesteps(numInferenceSteps: number): void {
    const { config } = this;
    this.#state.set(numInferenceSteps, {
      sigmaMin: config.sigmaMin,
      sigmaMax: config.sigmaMax,
      finalSigma: config.finalSigmasType === "sigma_min" ? this.#state.trainSigmas[0]! : 0,
    });
  }

  step(
    modelOutput: Float32Array,
    timestep: number,
    sample: Float32Array,
    _options: StepOptions = {},
  ): StepOutput {
    const state = this.#state;
    const index = state.begin(this.name, modelOutput, sample, timestep);
    const sigma = state.sigmas[index]!;
    const original = state.predictOriginal(modelOutput, sample, sigma);
    const dt = f32(state.sigmas[index + 1]! - sigma);
    const prevSample = sample.map((x, i) => x + f32(f32(f32(x - original[i]!) / sigma) * dt));
    state.cursor.advance();
    return { prevSample, predOriginalSample: original };
  }
}
