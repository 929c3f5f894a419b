/**
 * DPM-Solver-2 in σ (k-diffusion's `sample_dpm_2`, Karras et al. 2022): diffusers'
 * `KDPM2DiscreteScheduler`. Each inference step evaluates the model at σᵢ and at the geometric
 * midpoint of σᵢ and σᵢ₊₁, so `timesteps` interleaves midpoint timesteps (2n − 1 step calls).
 *
 * @module
 */

import { SigmaScheduler, SigmaState } from "./_sigma_state.ts";
import { logF32, sigmaToT, torchExpF32 } from "./_schedule.ts";
import { scaleBySigma } from "./_common.ts";
import type { SchedulerConfig, StepOptions, StepOutput } from "./types.ts";

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
export class KDPM2DiscreteScheduler extends SigmaScheduler {
  readonly name = "KDPM2DiscreteScheduler";
  readonly order = 2;
  readonly #state: SigmaState;
  #sigmasInterpol: Float32Array = new Float32Array(0);
  #firstSample: Float32Array | null = null;

  constructor(config: Readonly<SchedulerConfig>) {
    if (config.predictionType === "sample") {
      throw new RangeError(
        "Cannot create KDPM2DiscreteScheduler as 'prediction_type' must be 'epsilon' or " +
          "'v_prediction': current value is sample",
      );
    }
    const state = new SigmaState(config);
    super(state);
    this.#state = state;
  }

  /** The midpoint σ per step call (its first entry is NaN and never read), like diffusers. */
  get sigmasInterpol(): number[] {
    return [...this.#sigmasInterpol];
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
    state.sigmas = Float32Array.from(doubled(sigmas));
    this.#sigmasInterpol = Float32Array.from(doubled(interpol));
    const times = state.timesteps;
    state.timesteps = [times[0]!, ...times.slice(1).flatMap((t, i) => [midTimes[i + 1]!, t])];
    this.#firstSample = null;
  }

  /** Scales by σ on a first-order call, by the midpoint σ on the second. */
  override scaleModelInput(sample: Float32Array, timestep: number): Float32Array {
    const state = this.#state;
    const index = state.cursor.locate(state.timesteps, timestep);
    const sigma = this.#firstSample === null ? state.sigmas[index]! : this.#sigmasInterpol[index]!;
    return scaleBySigma(sample, sigma);
  }

  step(
    modelOutput: Float32Array,
    timestep: number,
    sample: Float32Array,
    _options: StepOptions = {},
  ): StepOutput {
    const state = this.#state;
    const index = state.begin(this.name, modelOutput, sample, timestep);
    const firstOrder = this.#firstSample === null;
    const sigma = state.sigmas[firstOrder ? index : index - 1]!;
    const sigmaInterpol = this.#sigmasInterpol[firstOrder ? index + 1 : index]!;
    const sigmaNext = state.sigmas[firstOrder ? index + 1 : index]!;
    const sigmaInput = firstOrder ? sigma : sigmaInterpol;
    const original = state.predictOriginal(modelOutput, sample, sigmaInput);
    const derivative = sample.map((x, i) => f32(x - original[i]!) / sigmaInput);
    const dt = f32((firstOrder ? sigmaInterpol : sigmaNext) - sigma);
    const base = firstOrder ? sample : this.#firstSample!;
    this.#firstSample = firstOrder ? sample : null;
    const prevSample = base.map((x, i) => x + f32(derivative[i]! * dt));
    state.cursor.advance();
    return { prevSample, predOriginalSample: original };
  }
}
