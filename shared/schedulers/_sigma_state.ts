/**
 * The bookkeeping the σ-based schedulers share (Euler, Euler ancestral, LMS, Heun, KDPM2): the
 * training σ table, the inference timesteps and σ, the step cursor, plus the `Scheduler` surface
 * built on them (σ-scaled model input, `init_noise_sigma`). Each scheduler's file keeps only its
 * own math.
 *
 * @module
 */

import {
  alphasCumprod,
  betasFor,
  sigmaSchedule,
  spacedTimesteps,
  trainSigmas,
} from "./_schedule.ts";
import {
  checkInferenceSteps,
  checkStepInputs,
  predictOriginalFromSigma,
  scaleBySigma,
  StepCursor,
} from "./_common.ts";
import { BaseScheduler } from "./_base_scheduler.ts";
import type { SchedulerConfig } from "./types.ts";

const f32 = Math.fround;

/**
 * ᾱ per training timestep for a σ table. Zero terminal SNR makes the last σ infinite; diffusers
 * pins ᾱ there to 2⁻²⁴ instead.
 */
export function sigmaAlphasCumprod(config: Readonly<SchedulerConfig>): Float32Array {
  const cumprod = alphasCumprod(betasFor(config));
  if (config.rescaleBetasZeroSnr) cumprod[cumprod.length - 1] = 2 ** -24;
  return cumprod;
}

/** Options of {@linkcode SigmaState.set}. */
export interface SigmaStateOptions {
  /** Round Karras timesteps to integers. */
  roundKarrasTimesteps?: boolean;
  /** Karras ramp bounds from the config (Euler only); `null` derives them. */
  sigmaMin?: number | null;
  sigmaMax?: number | null;
  /** The σ appended after the last step. */
  finalSigma?: number;
}

/** Schedule state of one σ-based scheduler instance. */
export class SigmaState {
  readonly config: Readonly<SchedulerConfig>;
  readonly trainSigmas: Float32Array;
  readonly cursor: StepCursor = new StepCursor();
  /**
   * One timestep per step call. `set` leaves one per inference step; Heun and KDPM2 then
   * replace it with their two-calls-per-step schedule.
   */
  timesteps: number[] = [];
  /** σ per step call plus the final σ, float32 (expanded alongside `timesteps`). */
  sigmas: Float32Array;
  /** Inference steps, `null` before `set`. */
  count: number | null = null;

  constructor(config: Readonly<SchedulerConfig>) {
    this.config = config;
    this.trainSigmas = trainSigmas(sigmaAlphasCumprod(config));
    this.sigmas = Float32Array.of(...this.trainSigmas.toReversed(), 0);
  }

  /** σ_max, or √(σ_max² + 1) for `leading` spacing, over the current σ. */
  initNoiseSigma(): number {
    const max = this.sigmas.reduce((a, b) => Math.max(a, b), 0);
    if (this.config.timestepSpacing !== "leading") return max;
    return f32(Math.sqrt(f32(f32(max * max) + 1)));
  }

  /** Computes timesteps and σ for `count` inference steps and resets the cursor. */
  set(count: number, options: SigmaStateOptions = {}): void {
    const { config } = this;
    checkInferenceSteps(count, config.numTrainTimesteps);
    const spaced = spacedTimesteps(config, count, "sigma");
    const { timesteps, sigmas } = sigmaSchedule(spaced, this.trainSigmas, {
      karras: config.useKarrasSigmas,
      roundKarrasTimesteps: options.roundKarrasTimesteps ?? false,
      sigmaMin: options.sigmaMin ?? null,
      sigmaMax: options.sigmaMax ?? null,
    });
    this.count = count;
    this.timesteps = timesteps;
    this.sigmas = Float32Array.of(...sigmas, options.finalSigma ?? 0);
    this.cursor.reset();
  }

  /** Checks a step call's inputs (as scheduler `name`) and returns its index in the schedule. */
  begin(name: string, modelOutput: Float32Array, sample: Float32Array, timestep: number): number {
    checkStepInputs(name, this.count !== null, modelOutput, sample);
    return this.cursor.locate(this.timesteps, timestep);
  }

  /** x₀ from the model output at noise level `sigma`, per the configured prediction type. */
  predictOriginal(modelOutput: Float32Array, sample: Float32Array, sigma: number): Float32Array {
    return predictOriginalFromSigma(this.config.predictionType, modelOutput, sample, sigma);
  }
}

/**
 * What the σ-based schedulers share of the `Scheduler` contract: the model input scaled by
 * 1/√(σ² + 1), `init_noise_sigma` from σ_max, and the schedule read from their
 * {@linkcode SigmaState}.
 */
export abstract class SigmaScheduler extends BaseScheduler {
  readonly #state: SigmaState;

  constructor(state: SigmaState) {
    super(state);
    this.#state = state;
  }

  get sigmas(): number[] {
    return [...this.#state.sigmas];
  }

  get initNoiseSigma(): number {
    return this.#state.initNoiseSigma();
  }

  /** `x + σ·ε`, σ at the timestep's schedule index (diffusers' lookup or begin index). */
  protected noiseCoefficients(timestep: number): readonly [number, number] {
    this.checkReady();
    const state = this.#state;
    return [1, state.sigmas[state.cursor.noiseIndex(state.timesteps, timestep)]!];
  }

  override scaleModelInput(sample: Float32Array, timestep: number): Float32Array {
    const state = this.#state;
    return scaleBySigma(sample, state.sigmas[state.cursor.locate(state.timesteps, timestep)]!);
  }
}
