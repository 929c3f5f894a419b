/**
 * The state the σ-based schedulers share (Euler, Euler ancestral, LMS, Heun, KDPM2): the training
 * σ table, the inference timesteps and σ, the step cursor.
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
import { checkInferenceSteps, StepCursor } from "./_common.ts";
import type { SchedulerConfig } from "./types.ts";

const f32 = Math.fround;

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
  /** Inference timesteps, one per inference step (before any repetition). */
  timesteps: number[] = [];
  /** Inference σ plus the final σ, float32. */
  sigmas: Float32Array;
  /** Inference steps, `null` before `set`. */
  count: number | null = null;

  constructor(config: Readonly<SchedulerConfig>) {
    this.config = config;
    const cumprod = alphasCumprod(betasFor(config));
    // Zero terminal SNR makes the last σ infinite; diffusers pins ᾱ there to 2⁻²⁴ instead.
    if (config.rescaleBetasZeroSnr) cumprod[cumprod.length - 1] = 2 ** -24;
    this.trainSigmas = trainSigmas(cumprod);
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
}
