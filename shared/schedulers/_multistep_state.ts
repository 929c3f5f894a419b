/**
 * The bookkeeping the multistep solvers share (DPM-Solver, UniPC, DEIS): the training σ table, the
 * inference schedule, the step cursor, the history of converted model outputs and the warm-up
 * count, plus the `Scheduler` surface built on them. Each solver's file keeps only its own math.
 *
 * @module
 */

import { multistepSchedule, type MultistepScheduleOptions, trainSigmas } from "./_schedule.ts";
import {
  alphaSigmaLambda,
  checkInferenceSteps,
  checkStepInputs,
  combine,
  StepCursor,
} from "./_common.ts";
import { BaseScheduler } from "./_base_scheduler.ts";
import type { SchedulerConfig } from "./types.ts";

const f32 = Math.fround;

/** Where one step call stands in the schedule. */
export interface MultistepPosition {
  /** The step index (diffusers' `step_index`). */
  index: number;
  /** Step calls in the schedule. */
  steps: number;
  /** Whether `lower_order_final` applies: it is on and the schedule is shorter than 15 steps. */
  short: boolean;
}

/** Schedule state of one multistep solver instance. */
export class MultistepState {
  readonly config: Readonly<SchedulerConfig>;
  /** ᾱ per training timestep, as the σ table was built from. */
  readonly alphasCumprod: Float32Array;
  /** σ per training timestep. */
  readonly table: Float32Array;
  readonly cursor: StepCursor = new StepCursor();
  /** Inference timesteps, one per step call. */
  timesteps: number[] = [];
  /** Inference σ plus the final σ, float32. */
  sigmas: Float32Array = new Float32Array(0);
  /** Inference steps, `null` before `set`. */
  count: number | null = null;
  /** The last `solver_order` converted model outputs, oldest first. */
  outputs: Float32Array[] = [];
  /** Steps taken so far, capped at `solver_order` (diffusers' `lower_order_nums`). */
  lowerOrderNums = 0;

  constructor(config: Readonly<SchedulerConfig>, alphasCumprod: Float32Array) {
    this.config = config;
    this.alphasCumprod = alphasCumprod;
    this.table = trainSigmas(alphasCumprod);
  }

  /** Computes timesteps and σ for `count` inference steps and forgets all history. */
  set(count: number, options: MultistepScheduleOptions): void {
    checkInferenceSteps(count, this.config.numTrainTimesteps);
    const { timesteps, sigmas } = multistepSchedule(this.config, count, this.table, options);
    this.timesteps = timesteps;
    this.sigmas = sigmas;
    this.count = timesteps.length;
    this.cursor.reset();
    this.outputs = [];
    this.lowerOrderNums = 0;
  }

  /** Checks a step call's inputs (as scheduler `name`) and locates it in the schedule. */
  begin(
    name: string,
    modelOutput: Float32Array,
    sample: Float32Array,
    timestep: number,
  ): MultistepPosition {
    checkStepInputs(name, this.count !== null, modelOutput, sample);
    const index = this.cursor.locate(this.timesteps, timestep, true);
    const steps = this.timesteps.length;
    return { index, steps, short: this.config.lowerOrderFinal && steps < 15 };
  }

  /** α, σ and λ at step `index` of the schedule. */
  at(index: number): { alpha: number; sigma: number; lambda: number } {
    return alphaSigmaLambda(this.sigmas[index]!);
  }

  /** The model output as x₀ at step `index` (DPM-Solver++, UniPC's `predict_x0`, DEIS). */
  toX0(modelOutput: Float32Array, sample: Float32Array, index: number): Float32Array {
    const { alpha, sigma } = this.at(index);
    const type = this.config.predictionType;
    if (type === "sample") return modelOutput.slice();
    if (type === "epsilon") {
      return sample.map((x, i) => f32(x - f32(sigma * modelOutput[i]!)) / alpha);
    }
    return combine([[alpha, sample], [-sigma, modelOutput]]);
  }

  /** The model output as ε at step `index` (DPM-Solver, UniPC without `predict_x0`). */
  toEpsilon(modelOutput: Float32Array, sample: Float32Array, index: number): Float32Array {
    const { alpha, sigma } = this.at(index);
    const type = this.config.predictionType;
    if (type === "epsilon") return modelOutput.slice();
    if (type === "sample") {
      return sample.map((x, i) => f32(x - f32(alpha * modelOutput[i]!)) / sigma);
    }
    return combine([[alpha, modelOutput], [sigma, sample]]);
  }

  /** Appends a converted output to the history, keeping the last `solver_order`. */
  remember(output: Float32Array): void {
    this.outputs = [...this.outputs, output].slice(-this.config.solverOrder);
  }

  /** Ends a step call: one more warm-up step counted, the cursor moved on. */
  finish(): void {
    if (this.lowerOrderNums < this.config.solverOrder) this.lowerOrderNums++;
    this.cursor.advance();
  }
}

/**
 * What the multistep solvers share of the `Scheduler` contract: no input scaling, unit initial
 * noise, and the schedule read from their {@linkcode MultistepState}.
 */
export abstract class MultistepScheduler extends BaseScheduler {
  readonly initNoiseSigma = 1;
  readonly #state: MultistepState;

  constructor(state: MultistepState) {
    super(state);
    this.#state = state;
  }

  get sigmas(): number[] {
    return [...this.#state.sigmas];
  }

  /** `αₜ·x + σₜ·ε` with αₜ = 1/√(σ² + 1) and σₜ = σ·αₜ, σ at the timestep's schedule index. */
  protected noiseCoefficients(timestep: number): readonly [number, number] {
    this.checkReady();
    const state = this.#state;
    const index = state.cursor.noiseIndex(state.timesteps, timestep, true);
    const { alpha, sigma } = alphaSigmaLambda(state.sigmas[index]!);
    return [alpha, sigma];
  }
}
