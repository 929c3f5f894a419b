/**
 * The scheduler contract shared by every algorithm in this folder: diffusers' `set_timesteps /
 * scale_model_input / step` in TypeScript, over flat `Float32Array` samples.
 *
 * @module
 */

/**
 * A seeded source of standard normal noise. Structurally the generator from `shared/rng`, so a
 * seed draws the same values as `torch.randn(shape, generator=g)` in diffusers.
 */
export interface NoiseGenerator {
  /** Standard normal float32 values for `shape`, row-major; continues the generator's stream. */
  randn(shape: readonly number[]): Float32Array;
}

/** Options of {@linkcode Scheduler.step}. */
export interface StepOptions {
  /**
   * DDIM's η: 0 is deterministic DDIM, 1 is DDPM-like. Ignored by schedulers without it.
   * @default {0}
   */
  eta?: number;
  /** The noise source for schedulers that draw noise (ancestral samplers, LCM, DDIM with η > 0). */
  generator?: NoiseGenerator;
  /**
   * The sample's full shape, passed to `generator.randn` when a step draws noise. Its product must
   * equal the sample length.
   * @default {[sample.length]}
   */
  shape?: readonly number[];
}

/** What one {@linkcode Scheduler.step} call returns; both arrays are new. */
export interface StepOutput {
  /** The sample for the next timestep. */
  prevSample: Float32Array;
  /** The denoised estimate x₀, for schedulers that form one. */
  predOriginalSample?: Float32Array;
}

/** One noise scheduler, configured and stateful like a diffusers scheduler instance. */
export interface Scheduler {
  /** The diffusers class name, e.g. `"EulerDiscreteScheduler"`. */
  readonly name: string;
  /** The parsed configuration this scheduler was built from. */
  readonly config: Readonly<SchedulerConfig>;
  /** diffusers' `order`: model evaluations per inference step (2 for Heun and KDPM2, else 1). */
  readonly order: number;
  /** The inference steps set by {@linkcode Scheduler.setTimesteps}, or `null` before. */
  readonly numInferenceSteps: number | null;
  /** One entry per `step` call, in call order (a copy). Empty before `setTimesteps`. */
  readonly timesteps: number[];
  /** The noise level σ per step call plus the final one, for σ-based schedulers; else `null`. */
  readonly sigmas: number[] | null;
  /** The factor the initial standard normal latents are multiplied by. */
  readonly initNoiseSigma: number;
  /** Computes the schedule for `numInferenceSteps` and resets all state; call before a loop. */
  setTimesteps(numInferenceSteps: number): void;
  /** The model input for `timestep`: `sample` scaled where the scheduler needs it (a new array). */
  scaleModelInput(sample: Float32Array, timestep: number): Float32Array;
  /**
   * Starts the next loop at step call `index` of `timesteps` (diffusers' `set_begin_index`):
   * image to image enters the schedule part-way. `setTimesteps` clears it.
   */
  setBeginIndex(index: number): void;
  /**
   * The forward diffusion process, diffusers' `add_noise`: `original` noised to `timesteps`
   * (one per batch row, values from `timesteps`) with `noise`. ᾱ-based schedulers give
   * `√ᾱₜ·x + √(1 − ᾱₜ)·ε`, σ-based ones `x + σ·ε`, the multistep solvers `αₜ·x + σₜ·ε`.
   * Returns a new array; call after `setTimesteps`.
   */
  addNoise(
    original: Float32Array,
    noise: Float32Array,
    timesteps: readonly number[],
  ): Float32Array;
  /** One denoising step from `timestep`; never mutates its inputs. */
  step(
    modelOutput: Float32Array,
    timestep: number,
    sample: Float32Array,
    options?: StepOptions,
  ): StepOutput;
}

/** A diffusers beta schedule name. */
export type BetaSchedule = "linear" | "scaled_linear" | "squaredcos_cap_v2";
/** What the model predicts. */
export type PredictionType = "epsilon" | "v_prediction" | "sample";
/** How inference timesteps are spread over the training timesteps. */
export type TimestepSpacing = "linspace" | "leading" | "trailing";

/**
 * A scheduler configuration after parsing: diffusers' `scheduler_config.json` with the defaults of
 * the chosen class filled in. Only the registry builds it from snake_case keys.
 */
export interface SchedulerConfig {
  numTrainTimesteps: number;
  betaStart: number;
  betaEnd: number;
  betaSchedule: BetaSchedule;
  trainedBetas: readonly number[] | null;
  rescaleBetasZeroSnr: boolean;
  predictionType: PredictionType;
  timestepSpacing: TimestepSpacing;
  stepsOffset: number;
  setAlphaToOne: boolean;
  clipSample: boolean;
  clipSampleRange: number;
  skipPrkSteps: boolean;
  useKarrasSigmas: boolean;
  sigmaMin: number | null;
  sigmaMax: number | null;
  finalSigmasType: "zero" | "sigma_min";
  solverOrder: number;
  algorithmType: "dpmsolver++" | "dpmsolver";
  solverType: "midpoint" | "heun" | "bh1" | "bh2" | "logrho";
  lowerOrderFinal: boolean;
  eulerAtFinal: boolean;
  lambdaMinClipped: number;
  predictX0: boolean;
  disableCorrector: readonly number[];
  originalInferenceSteps: number;
  timestepScaling: number;
}
