/**
 * DPM-Solver-2 in σ (k-diffusion's `sample_dpm_2`, Karras et al. 2022): diffusers'
 * `KDPM2DiscreteScheduler`. Each inference step evaluates the model at σᵢ and at the geometric
 * midpoint of σᵢ and σᵢ₊₁, so `timesteps` interleaves midpoint timesteps (2n − 1 step calls).
 *
 * @module
 */

import { SigmaState } from "./_sigma_state.ts";
import { logF32, sigmaToT, torchExpF32 } from "./_schedule.ts";
import { checkStepInputs, predictOriginalFromSigma, scaleBySigma } from "./_common.ts";
import type { Scheduler, SchedulerConfig, StepOptions, StepOutput } from "./types.ts";

const f32 = Math.fround;

/** torch's float32 `lerp(start, end, 0.5)`. */
function lerpHalf(start: number, end: number): number {
  return f32(end - f32(f32(end - start) * 0.5));
}

/** [a, b, c] → [a, b, b, c, c, c]: the first once, the rest twice, the last once more. */
function doubled(values: readonly number[]): number[] {
  return [values[0]!, ...values.slice(1).flatMap((v) => [v, v]), values[values.length - 1]!];
}

/** KDPM2 sampler; see the module comment. */
export class KDPM2DiscreteScheduler implements Scheduler {
  readonly name = "KDPM2DiscreteScheduler";
  readonly order = 2;
  readonly config: Readonly<SchedulerConfig>;
  #state: SigmaState;
  #timesteps: number[] = [];
  #sigmas: Float32Array;
  #sigmasInterpol: Float32Array = new Float32Array(0);
  #firstSample: Float32Array | null = null;

  constructor(config: Readonly<SchedulerConfig>) {
    if (config.predictionType === "sample") {
      throw new RangeError(
        "Cannot create KDPM2DiscreteScheduler as 'prediction_type' must be 'epsilon' or " +
          "'v_prediction': current value is sample",
      );
    }
    this.config = config;
    this.#state = new SigmaState(config);
    this.#sigmas = this.#state.sigmas;
  }

  get numInferenceSteps(): number | null {
    return this.#state.count;
  }

  get timesteps(): number[] {
    return [...this.#timesteps];
  }

  get sigmas(): number[] {
    return [...this.#sigmas];
  }

  /** The midpoint σ per step call (its first entry is NaN and never read), like diffusers. */
  get sigmasInterpol(): number[] {
    return [...this.#sigmasInterpol];
  }

  get initNoiseSigma(): number {
    return this.#state.initNoiseSigma();
  }

  setTimesteps(numInferenceSteps: number): void {
    const state = this.#state;
    state.set(numInferenceSteps, { roundKarrasTimesteps: true });
    const sigmas = [...state.sigmas];
    const logs = sigmas.map((s) => f32(Math.log(s)));
    // Geometric midpoints of neighbouring σ; the first pairs σ0 with the final 0 and is NaN.
    const interpol = logs.map((log, i) => torchExpF32(lerpHalf(log, logs.at(i - 1)!)));
    const logSigmas = logF32(state.trainSigmas);
    const midTimes = interpol.map((s) => f32(sigmaToT(s, logSigmas)));
    this.#sigmas = Float32Array.from(doubled(sigmas));
    this.#sigmasInterpol = Float32Array.from(doubled(interpol));
    const times = state.timesteps;
    this.#timesteps = [times[0]!, ...times.slice(1).flatMap((t, i) => [midTimes[i + 1]!, t])];
    this.#firstSample = null;
  }

  scaleModelInput(sample: Float32Array, timestep: number): Float32Array {
    const index = this.#state.cursor.locate(this.#timesteps, timestep);
    const sigma = this.#firstSample === null ? this.#sigmas[index]! : this.#sigmasInterpol[index]!;
    return scaleBySigma(sample, sigma);
  }

  step(
    modelOutput: Float32Array,
    timestep: number,
    sample: Float32Array,
    _options: StepOptions = {},
  ): StepOutput {
    const state = this.#state;
    checkStepInputs(this.name, state.count !== null, modelOutput, sample);
    const index = state.cursor.locate(this.#timesteps, timestep);
    const firstOrder = this.#firstSample === null;
    const sigma = this.#sigmas[firstOrder ? index : index - 1]!;
    const sigmaInterpol = this.#sigmasInterpol[firstOrder ? index + 1 : index]!;
    const sigmaNext = this.#sigmas[firstOrder ? index + 1 : index]!;
    const sigmaInput = firstOrder ? sigma : sigmaInterpol;
    const original = predictOriginalFromSigma(
      this.config.predictionType,
      modelOutput,
      sample,
      sigmaInput,
    );
    const derivative = sample.map((x, i) => f32(x - original[i]!) / sigmaInput);
    const dt = f32((firstOrder ? sigmaInterpol : sigmaNext) - sigma);
    const base = firstOrder ? sample : this.#firstSample!;
    this.#firstSample = firstOrder ? sample : null;
    const prevSample = base.map((x, i) => x + f32(derivative[i]! * dt));
    state.cursor.advance();
    return { prevSample, predOriginalSample: original };
  }
}
