/**
 * Heun's method (Karras et al. 2022, Algorithm 2 without churn): diffusers'
 * `HeunDiscreteScheduler`. Each inference step but the last takes two model evaluations, so
 * `timesteps` repeats every timestep after the first (2n − 1 step calls for n steps).
 *
 * @module
 */

import { SigmaScheduler, SigmaState } from "./_sigma_state.ts";
import { clampInPlace } from "./_common.ts";
import type { SchedulerConfig, StepOptions, StepOutput } from "./types.ts";

const f32 = Math.fround;

/** Repeats every entry after the first twice: [a, b, c] → [a, b, b, c, c]. */
export function interleaveAfterFirst(values: readonly number[]): number[] {
  return [values[0]!, ...values.slice(1).flatMap((v) => [v, v])];
}

/** Heun sampler; see the module comment. */
export class HeunDiscreteScheduler extends SigmaScheduler {
  readonly name = "HeunDiscreteScheduler";
  readonly order = 2;
  readonly #state: SigmaState;
  #first: { derivative: Float32Array; dt: number; sample: Float32Array } | null = null;

  constructor(config: Readonly<SchedulerConfig>) {
    const state = new SigmaState(config);
    super(state);
    this.#state = state;
  }

  setTimesteps(numInferenceSteps: number): void {
    const state = this.#state;
    state.set(numInferenceSteps);
    const sigmas = [...state.sigmas];
    // [σ0, σ1, σ1, …, σn−1, σn−1, 0]: one σ per step call plus the final one.
    state.sigmas = Float32Array.from([
      ...interleaveAfterFirst(sigmas.slice(0, -1)),
      sigmas[sigmas.length - 1]!,
    ]);
    state.timesteps = interleaveAfterFirst(state.timesteps);
    this.#first = null;
  }

  step(
    modelOutput: Float32Array,
    timestep: number,
    sample: Float32Array,
    _options: StepOptions = {},
  ): StepOutput {
    const state = this.#state;
    const index = state.begin(this.name, modelOutput, sample, timestep);
    const first = this.#first;
    const sigma = first === null ? state.sigmas[index]! : state.sigmas[index - 1]!;
    const sigmaNext = first === null ? state.sigmas[index + 1]! : state.sigmas[index]!;
    const { config } = this;
    const original = state.predictOriginal(modelOutput, sample, first === null ? sigma : sigmaNext);
    if (config.clipSample) clampInPlace(original, config.clipSampleRange);
    let prevSample: Float32Array;
    if (first === null) {
      const derivative = sample.map((x, i) => f32(x - original[i]!) / sigma);
      const dt = f32(sigmaNext - sigma);
      this.#first = { derivative, dt, sample };
      prevSample = sample.map((x, i) => x + f32(derivative[i]! * dt));
    } else {
      prevSample = first.sample.map((x, i) => {
        const second = f32(f32(sample[i]! - original[i]!) / sigmaNext);
        const derivative = f32(f32(first.derivative[i]! + second) / 2);
        return x + f32(derivative * first.dt);
      });
      this.#first = null;
    }
    state.cursor.advance();
    return { prevSample, predOriginalSample: original };
  }
}
