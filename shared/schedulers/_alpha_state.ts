/**
 * The bookkeeping the ᾱ-based schedulers share (DDIM, LCM, PNDM): the ᾱ table and its value
 * before the first timestep, the inference timesteps, the split of a model output into x₀ and ε,
 * plus the `Scheduler` surface built on them. Each scheduler's file keeps only its own math.
 *
 * @module
 */

import { alphasCumprod, betasFor } from "./_schedule.ts";
import { checkStepInputs, StepCursor } from "./_common.ts";
import { BaseScheduler } from "./_base_scheduler.ts";
import type { SchedulerConfig } from "./types.ts";

const f32 = Math.fround;

/** x₀ and ε from a model output at ᾱₜ, in float32 like diffusers. */
export function splitPrediction(
  config: Pick<SchedulerConfig, "predictionType">,
  modelOutput: Float32Array,
  sample: Float32Array,
  alphaProd: number,
): { original: Float32Array; epsilon: Float32Array } {
  const betaProd = f32(1 - alphaProd);
  const sqrtA = f32(Math.sqrt(alphaProd));
  const sqrtB = f32(Math.sqrt(betaProd));
  const n = sample.length;
  const original = new Float32Array(n);
  const epsilon = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const x = sample[i]!;
    const m = modelOutput[i]!;
    if (config.predictionType === "epsilon") {
      original[i] = f32(x - f32(sqrtB * m)) / sqrtA;
      epsilon[i] = m;
    } else if (config.predictionType === "sample") {
      original[i] = m;
      epsilon[i] = f32(x - f32(sqrtA * m)) / sqrtB;
    } else {
      original[i] = f32(sqrtA * x) - f32(sqrtB * m);
      epsilon[i] = f32(sqrtA * m) + f32(sqrtB * x);
    }
  }
  return { original, epsilon };
}

/** Schedule state of one ᾱ-based scheduler instance. */
export class AlphaState {
  readonly config: Readonly<SchedulerConfig>;
  /** ᾱ per training timestep. */
  readonly alphasCumprod: Float32Array;
  /** ᾱ before the first training timestep: 1 with `set_alpha_to_one`, else ᾱ₀. */
  readonly finalAlphaCumprod: number;
  /** One timestep per step call. */
  timesteps: number[] = [];
  /** Inference steps, `null` before `setTimesteps`. */
  count: number | null = null;
  /** The step position (LCM) and the begin index. */
  readonly cursor: StepCursor = new StepCursor();

  constructor(config: Readonly<SchedulerConfig>) {
    this.config = config;
    this.alphasCumprod = alphasCumprod(betasFor(config));
    this.finalAlphaCumprod = config.setAlphaToOne ? 1 : this.alphasCumprod[0]!;
  }

  /** Throws unless `setTimesteps` ran and both arrays have the same length. */
  check(name: string, modelOutput: Float32Array, sample: Float32Array): void {
    checkStepInputs(name, this.count !== null, modelOutput, sample);
  }

  /** ᾱ at the step's target `prevTimestep`, or the final ᾱ once it falls before timestep 0. */
  alphaPrev(prevTimestep: number): number {
    return prevTimestep >= 0 ? this.alphasCumprod[prevTimestep]! : this.finalAlphaCumprod;
  }
}

/**
 * What the ᾱ-based schedulers share of the `Scheduler` contract: no input scaling, unit initial
 * noise, no σ, and the schedule read from their {@linkcode AlphaState}.
 */
export abstract class AlphaScheduler extends BaseScheduler {
  readonly initNoiseSigma = 1;
  readonly sigmas = null;
  readonly #state: AlphaState;

  constructor(state: AlphaState) {
    super(state);
    this.#state = state;
  }

  /** `√ᾱₜ·x + √(1 − ᾱₜ)·ε`, ᾱ indexed by the integer training timestep. */
  protected noiseCoefficients(timestep: number): readonly [number, number] {
    const table = this.#state.alphasCumprod;
    const alphaProd = table[timestep];
    if (alphaProd === undefined) {
      throw new RangeError(
        `Cannot add noise with ${this.name} as timestep ${timestep} is outside [0, ${table.length})`,
      );
    }
    return [f32(Math.sqrt(alphaProd)), f32(Math.sqrt(f32(1 - alphaProd)))];
  }
}
