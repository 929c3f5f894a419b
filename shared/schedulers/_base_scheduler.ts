/**
 * What every scheduler family shares of the `Scheduler` contract: the configuration, the step
 * count and timesteps read from the family's state object, and unscaled model inputs (the
 * σ-based family overrides the scaling). Families add their own `sigmas` and `initNoiseSigma`.
 *
 * @module
 */

import type { Scheduler, SchedulerConfig, StepOptions, StepOutput } from "./types.ts";

/** The part of a family's state the base reads. */
export interface ScheduleState {
  readonly config: Readonly<SchedulerConfig>;
  readonly count: number | null;
  readonly timesteps: readonly number[];
}

/** Base of the family bases (`AlphaScheduler`, `SigmaScheduler`, `MultistepScheduler`). */
export abstract class BaseScheduler implements Scheduler {
  abstract readonly name: string;
  abstract readonly order: number;
  abstract readonly sigmas: number[] | null;
  abstract readonly initNoiseSigma: number;
  readonly config: Readonly<SchedulerConfig>;
  readonly #state: ScheduleState;

  constructor(state: ScheduleState) {
    this.config = state.config;
    this.#state = state;
  }

  get numInferenceSteps(): number | null {
    return this.#state.count;
  }

  get timesteps(): number[] {
    return [...this.#state.timesteps];
  }

  scaleModelInput(sample: Float32Array, _timestep: number): Float32Array {
    return sample.slice();
  }

  abstract setTimesteps(numInferenceSteps: number): void;

  abstract step(
    modelOutput: Float32Array,
    timestep: number,
    sample: Float32Array,
    options?: StepOptions,
  ): StepOutput;
}
