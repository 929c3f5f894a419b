/**
 * What every scheduler family shares of the `Scheduler` contract: the configuration, the step
 * count and timesteps read from the family's state object, and unscaled model inputs (the
 * σ-based family overrides the scaling). Families add their own `sigmas` and `initNoiseSigma`.
 *
 * @module
 */

import type { Scheduler, SchedulerConfig, StepOptions, StepOutput } from "./types.ts";
import { noiseRows, type StepCursor } from "./_common.ts";

/** The part of a family's state the base reads. */
export interface ScheduleState {
  readonly config: Readonly<SchedulerConfig>;
  readonly count: number | null;
  readonly timesteps: readonly number[];
  readonly cursor: StepCursor;
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

  setBeginIndex(index: number): void {
    const state = this.#state;
    const calls = state.timesteps.length;
    if (state.count === null || !Number.isInteger(index) || index < 0 || index >= calls) {
      throw new RangeError(
        `Cannot set the begin index of ${this.name} as 'index' must be an integer in ` +
          `[0, ${calls}) after 'setTimesteps': current value is ${index}`,
      );
    }
    state.cursor.begin = index;
  }

  /** Throws unless `setTimesteps` ran (for `addNoise`). */
  protected checkReady(): void {
    if (this.#state.count === null) {
      throw new RangeError(
        `Cannot add noise with ${this.name} as 'setTimesteps' has not been called`,
      );
    }
  }

  addNoise(
    original: Float32Array,
    noise: Float32Array,
    timesteps: readonly number[],
  ): Float32Array {
    return noiseRows(this.name, original, noise, timesteps, (t) => this.noiseCoefficients(t));
  }

  /** `[a, b]` of the forward process `a·x + b·ε` at `timestep` (one `addNoise` row). */
  protected abstract noiseCoefficients(timestep: number): readonly [number, number];

  abstract setTimesteps(numInferenceSteps: number): void;

  abstract step(
    modelOutput: Float32Array,
    timestep: number,
    sample: Float32Array,
    options?: StepOptions,
  ): StepOutput;
}
