/**
 * DDIM (Song et al. 2021, "Denoising Diffusion Implicit Models"): diffusers' `DDIMScheduler`.
 * η = 0 is the deterministic sampler; η > 0 adds fresh noise at every step.
 *
 * @module
 */

import { alphasCumprod, betasFor, spacedTimesteps } from "./_schedule.ts";
import { checkInferenceSteps, checkStepInputs, clampInPlace, drawNoise } from "./_common.ts";
import type { Scheduler, SchedulerConfig, StepOptions, StepOutput } from "./types.ts";

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

/** DDIM sampler; see the module comment. */
export class DDIMScheduler implements Scheduler {
  readonly name = "DDIMScheduler";
  readonly order = 1;
  readonly initNoiseSigma = 1;
  readonly sigmas = null;
  readonly config: Readonly<SchedulerConfig>;
  #alphasCumprod: Float32Array;
  #finalAlphaCumprod: number;
  #timesteps: number[] = [];
  #count: number | null = null;

  constructor(config: Readonly<SchedulerConfig>) {
    this.config = config;
    this.#alphasCumprod = alphasCumprod(betasFor(config));
    this.#finalAlphaCumprod = config.setAlphaToOne ? 1 : this.#alphasCumprod[0]!;
  }

  get numInferenceSteps(): number | null {
    return this.#count;
  }

  get timesteps(): number[] {
    return [...this.#timesteps];
  }

  setTimesteps(numInferenceSteps: number): void {
    checkInferenceSteps(numInferenceSteps, this.config.numTrainTimesteps);
    this.#count = numInferenceSteps;
    this.#timesteps = spacedTimesteps(this.config, numInferenceSteps, "discrete");
  }

  scaleModelInput(sample: Float32Array, _timestep: number): Float32Array {
    return sample.slice();
  }

  step(
    modelOutput: Float32Array,
    timestep: number,
    sample: Float32Array,
    options: StepOptions = {},
  ): StepOutput {
    checkStepInputs(this.name, this.#count !== null, modelOutput, sample);
    const { config } = this;
    const eta = options.eta ?? 0;
    if (!(eta >= 0)) {
      throw new RangeError(
        `Cannot step ${this.name} as 'eta' must be >= 0: current value is ${eta}`,
      );
    }
    const prevTimestep = timestep - Math.floor(config.numTrainTimesteps / this.#count!);
    const alphaProd = this.#alphaAt(timestep);
    const alphaPrev = prevTimestep >= 0 ? this.#alphaAt(prevTimestep) : this.#finalAlphaCumprod;
    const { original, epsilon } = splitPrediction(config, modelOutput, sample, alphaProd);
    if (config.clipSample) clampInPlace(original, config.clipSampleRange);

    const betaProd = f32(1 - alphaProd);
    const variance = f32(
      f32(f32(1 - alphaPrev) / betaProd) * f32(1 - f32(alphaProd / alphaPrev)),
    );
    const stdDev = f32(eta * f32(Math.sqrt(variance)));
    const direction = f32(Math.sqrt(f32(f32(1 - alphaPrev) - f32(stdDev * stdDev))));
    const sqrtPrev = f32(Math.sqrt(alphaPrev));
    const prevSample = new Float32Array(sample.length);
    for (let i = 0; i < sample.length; i++) {
      prevSample[i] = f32(sqrtPrev * original[i]!) + f32(direction * epsilon[i]!);
    }
    if (eta > 0) {
      const noise = drawNoise(this.name, sample.length, options);
      for (let i = 0; i < sample.length; i++) prevSample[i] = prevSample[i]! + stdDev * noise[i]!;
    }
    return { prevSample, predOriginalSample: original };
  }

  #alphaAt(timestep: number): number {
    const value = this.#alphasCumprod[timestep];
    if (!Number.isInteger(timestep) || value === undefined) {
      throw new RangeError(
        `Cannot step ${this.name} as 'timestep' must be an integer in ` +
          `[0, ${this.config.numTrainTimesteps}): current value is ${timestep}`,
      );
    }
    return value;
  }
}
