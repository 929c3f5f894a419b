/**
 * Ancestral Euler sampling (k-diffusion's `sample_euler_ancestral`): an Euler step down to
 * σ_down, then fresh noise of scale σ_up. diffusers' `EulerAncestralDiscreteScheduler`; every
 * step, the last included, draws one noise tensor.
 *
 * @module
 */

import { SigmaScheduler, SigmaState } from "./_sigma_state.ts";
import { drawNoise } from "./_common.ts";
import type { SchedulerConfig, StepOptions, StepOutput } from "./types.ts";

const f32 = Math.fround;

/** Euler ancestral sampler; see the module comment. */
export class EulerAncestralDiscreteScheduler extends SigmaScheduler {
  readonly name = "EulerAncestralDiscreteScheduler";
  readonly order = 1;
  readonly #state: SigmaState;

  constructor(config: Readonly<SchedulerConfig>) {
    if (config.predictionType === "sample") {
      throw new RangeError(
        "Cannot create EulerAncestralDiscreteScheduler as 'prediction_type' must be 'epsilon' " +
          "or 'v_prediction': current value is sample",
      );
    }
    const state = new SigmaState(config);
    super(state);
    this.#state = state;
  }

  setTimesteps(numInferenceSteps: number): void {
    this.#state.set(numInferenceSteps);
  }

  step(
    modelOutput: Float32Array,
    timestep: number,
    sample: Float32Array,
    options: StepOptions = {},
  ): StepOutput {
    const state = this.#state;
    const index = state.begin(this.name, modelOutput, sample, timestep);
    const sigma = state.sigmas[index]!;
    const sigmaTo = state.sigmas[index + 1]!;
    const original = state.predictOriginal(modelOutput, sample, sigma);
    const from2 = f32(sigma * sigma);
    const to2 = f32(sigmaTo * sigmaTo);
    const sigmaUp = f32(Math.sqrt(f32(f32(to2 * f32(from2 - to2)) / from2)));
    const sigmaDown = f32(Math.sqrt(f32(to2 - f32(sigmaUp * sigmaUp))));
    const dt = f32(sigmaDown - sigma);
    const noise = drawNoise(this.name, sample.length, options);
    const prevSample = sample.map((x, i) => {
      const moved = f32(x + f32(f32(f32(x - original[i]!) / sigma) * dt));
      return moved + f32(noise[i]! * sigmaUp);
    });
    state.cursor.advance();
    return { prevSample, predOriginalSample: original };
  }
}
