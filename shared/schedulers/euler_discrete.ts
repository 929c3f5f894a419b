/**
 * Euler's method on the probability-flow ODE in σ (Karras et al. 2022, Algorithm 2 without
 * churn): diffusers' `EulerDiscreteScheduler`, optionally on Karras σ.
 *
 * @module
 */

import { SigmaState } from "./_sigma_state.ts";
import { checkStepInputs, predictOriginalFromSigma, scaleBySigma } from "./_common.ts";
import type { Scheduler, SchedulerConfig, StepOptions, StepOutput } from "./types.ts";

const f32 = Math.fround;

/** Euler sampler; see the module comment. */
export class EulerDiscreteScheduler implements Scheduler {
  readonly name = "EulerDiscreteScheduler";
  readonly order = 1;
  readonly config: Readonly<SchedulerConfig>;
  #state: SigmaState;

  constructor(config: Readonly<SchedulerConfig>) {
    this.config = config;
    this.#state = new SigmaState(config);
  }

  get numInferenceSteps(): number | null {
    return this.#state.count;
  }

  get timesteps(): number[] {
    return [...this.#state.timesteps];
  }

  get sigmas(): number[] {
    return [...this.#state.sigmas];
  }

  get initNoiseSigma(): number {
    return this.#state.initNoiseSigma();
  }

  setTimesteps(numInferenceSteps: number): void {
    const { config } = this;
    this.#state.set(numInferenceSteps, {
      sigmaMin: config.sigmaMin,
      sigmaMax: config.sigmaMax,
      finalSigma: config.finalSigmasType === "sigma_min" ? this.#state.trainSigmas[0]! : 0,
    });
  }

  scaleModelInput(sample: Float32Array, timestep: number): Float32Array {
    const state = this.#state;
    return scaleBySigma(sample, state.sigmas[state.cursor.locate(state.timesteps, timestep)]!);
  }

  step(
    modelOutput: Float32Array,
    timestep: number,
    sample: Float32Array,
    _options: StepOptions = {},
  ): StepOutput {
    const state = this.#state;
    checkStepInputs(this.name, state.count !== null, modelOutput, sample);
    const index = state.cursor.locate(state.timesteps, timestep);
    const sigma = state.sigmas[index]!;
    const original = predictOriginalFromSigma(
      this.config.predictionType,
      modelOutput,
      sample,
      sigma,
    );
    const dt = f32(state.sigmas[index + 1]! - sigma);
    const prevSample = sample.map((x, i) => x + f32(f32(f32(x - original[i]!) / sigma) * dt));
    state.cursor.advance();
    return { prevSample, predOriginalSample: original };
  }
}
