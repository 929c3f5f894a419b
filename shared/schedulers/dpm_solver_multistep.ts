/**
 * Multistep DPM-Solver (Lu et al. 2022) and DPM-Solver++ (Lu et al. 2023), orders 1–3:
 * diffusers' `DPMSolverMultistepScheduler`. `dpmpp_2m` is DPM-Solver++ order 2; with
 * `use_karras_sigmas` it is `dpmpp_2m_karras`.
 *
 * @module
 */

import { alphasCumprod, betasFor, multistepSchedule, trainSigmas } from "./_schedule.ts";
import {
  alphaSigmaLambda,
  checkInferenceSteps,
  checkStepInputs,
  combine,
  StepCursor,
} from "./_common.ts";
import type { Scheduler, SchedulerConfig, StepOptions, StepOutput } from "./types.ts";

const f32 = Math.fround;
const diff = (a: Float32Array, b: Float32Array) => a.map((v, i) => v - b[i]!);

/** DPM-Solver(++) sampler; see the module comment. */
export class DPMSolverMultistepScheduler implements Scheduler {
  readonly name = "DPMSolverMultistepScheduler";
  readonly order = 1;
  readonly initNoiseSigma = 1;
  readonly config: Readonly<SchedulerConfig>;
  #table: Float32Array;
  #lastTimestep: number;
  #timesteps: number[] = [];
  #sigmas: Float32Array = new Float32Array(0);
  #count: number | null = null;
  #cursor = new StepCursor();
  #outputs: Float32Array[] = [];
  #lowerOrderNums = 0;

  constructor(config: Readonly<SchedulerConfig>) {
    if (config.algorithmType === "dpmsolver" && config.finalSigmasType === "zero") {
      throw new RangeError(
        "Cannot create DPMSolverMultistepScheduler as 'final_sigmas_type' 'zero' needs " +
          "'algorithm_type' 'dpmsolver++': current value is dpmsolver",
      );
    }
    this.config = config;
    const cumprod = alphasCumprod(betasFor(config));
    if (config.rescaleBetasZeroSnr) cumprod[cumprod.length - 1] = 2 ** -24;
    this.#table = trainSigmas(cumprod);
    // λ clipping: drop the noisiest timesteps whose log-SNR falls below `lambda_min_clipped`.
    const lambdas = cumprod.map((a) =>
      f32(f32(Math.log(f32(Math.sqrt(a)))) - f32(Math.log(f32(Math.sqrt(f32(1 - a))))))
    ).reverse();
    const clipped = lambdas.findIndex((l) => l >= config.lambdaMinClipped);
    this.#lastTimestep = config.numTrainTimesteps - (clipped < 0 ? lambdas.length : clipped);
  }

  get numInferenceSteps(): number | null {
    return this.#count;
  }

  get timesteps(): number[] {
    return [...this.#timesteps];
  }

  get sigmas(): number[] {
    return [...this.#sigmas];
  }

  setTimesteps(numInferenceSteps: number): void {
    const { config } = this;
    checkInferenceSteps(numInferenceSteps, config.numTrainTimesteps);
    const { timesteps, sigmas } = multistepSchedule(config, numInferenceSteps, this.#table, {
      final: config.finalSigmasType === "zero" ? "zero" : "table_min",
      lastTimestep: this.#lastTimestep,
    });
    this.#timesteps = timesteps;
    this.#sigmas = sigmas;
    this.#count = timesteps.length;
    this.#cursor.reset();
    this.#outputs = [];
    this.#lowerOrderNums = 0;
  }

  scaleModelInput(sample: Float32Array, _timestep: number): Float32Array {
    return sample.slice();
  }

  step(
    modelOutput: Float32Array,
    timestep: number,
    sample: Float32Array,
    _options: StepOptions = {},
  ): StepOutput {
    checkStepInputs(this.name, this.#count !== null, modelOutput, sample);
    const { config } = this;
    const index = this.#cursor.locate(this.#timesteps, timestep, true);
    const steps = this.#timesteps.length;
    const short = config.lowerOrderFinal && steps < 15;
    const lowerOrderFinal = index === steps - 1 &&
      (config.eulerAtFinal || short || config.finalSigmasType === "zero");
    const lowerOrderSecond = index === steps - 2 && short;

    const converted = this.#convert(modelOutput, sample, index);
    this.#outputs = [...this.#outputs, converted].slice(-config.solverOrder);
    let prevSample: Float32Array;
    if (config.solverOrder === 1 || this.#lowerOrderNums < 1 || lowerOrderFinal) {
      prevSample = this.#firstOrder(converted, sample, index);
    } else if (config.solverOrder === 2 || this.#lowerOrderNums < 2 || lowerOrderSecond) {
      prevSample = this.#secondOrder(sample, index);
    } else {
      prevSample = this.#thirdOrder(sample, index);
    }
    if (this.#lowerOrderNums < config.solverOrder) this.#lowerOrderNums++;
    this.#cursor.advance();
    return config.algorithmType === "dpmsolver++"
      ? { prevSample, predOriginalSample: converted }
      : { prevSample };
  }

  /** The model output as x₀ (DPM-Solver++) or ε (DPM-Solver). */
  #convert(modelOutput: Float32Array, sample: Float32Array, index: number): Float32Array {
    const { predictionType, algorithmType } = this.config;
    const { alpha, sigma } = alphaSigmaLambda(this.#sigmas[index]!);
    if (algorithmType === "dpmsolver++") {
      if (predictionType === "sample") return modelOutput.slice();
      if (predictionType === "epsilon") {
        return sample.map((x, i) => f32(x - f32(sigma * modelOutput[i]!)) / alpha);
      }
      return combine([[alpha, sample], [-sigma, modelOutput]]);
    }
    if (predictionType === "epsilon") return modelOutput.slice();
    if (predictionType === "sample") {
      return sample.map((x, i) => f32(x - f32(alpha * modelOutput[i]!)) / sigma);
    }
    return combine([[alpha, modelOutput], [sigma, sample]]);
  }

  #firstOrder(output: Float32Array, sample: Float32Array, index: number): Float32Array {
    const t = alphaSigmaLambda(this.#sigmas[index + 1]!);
    const s = alphaSigmaLambda(this.#sigmas[index]!);
    const h = f32(t.lambda - s.lambda);
    if (this.config.algorithmType === "dpmsolver++") {
      const c = f32(t.alpha * f32(Math.exp(-h) - 1));
      return combine([[f32(t.sigma / s.sigma), sample], [-c, output]]);
    }
    const c = f32(t.sigma * f32(Math.exp(h) - 1));
    return combine([[f32(t.alpha / s.alpha), sample], [-c, output]]);
  }

  #secondOrder(sample: Float32Array, index: number): Float32Array {
    const sigmas = this.#sigmas;
    const t = alphaSigmaLambda(sigmas[index + 1]!);
    const s0 = alphaSigmaLambda(sigmas[index]!);
    const s1 = alphaSigmaLambda(sigmas[index - 1]!);
    const [m1, m0] = this.#outputs.slice(-2) as [Float32Array, Float32Array];
    const h = f32(t.lambda - s0.lambda);
    const r0 = f32(f32(s0.lambda - s1.lambda) / h);
    const d1 = diff(m0, m1).map((v) => f32(1 / r0) * v);
    const plusPlus = this.config.algorithmType === "dpmsolver++";
    const scale = plusPlus ? t.alpha : t.sigma;
    const phi = plusPlus ? f32(Math.exp(-h) - 1) : f32(Math.exp(h) - 1);
    const c0 = f32(scale * phi);
    const ratio = plusPlus ? f32(t.sigma / s0.sigma) : f32(t.alpha / s0.alpha);
    let c1: number;
    if (this.config.solverType === "midpoint") c1 = -f32(0.5 * c0);
    else if (plusPlus) c1 = f32(t.alpha * f32(f32(phi / h) + 1));
    else c1 = -f32(t.sigma * f32(f32(phi / h) - 1));
    return combine([[ratio, sample], [-c0, m0], [c1, d1]]);
  }

  #thirdOrder(sample: Float32Array, index: number): Float32Array {
    const sigmas = this.#sigmas;
    const t = alphaSigmaLambda(sigmas[index + 1]!);
    const s0 = alphaSigmaLambda(sigmas[index]!);
    const s1 = alphaSigmaLambda(sigmas[index - 1]!);
    const s2 = alphaSigmaLambda(sigmas[index - 2]!);
    const [m2, m1, m0] = this.#outputs.slice(-3) as [Float32Array, Float32Array, Float32Array];
    const h = f32(t.lambda - s0.lambda);
    const r0 = f32(f32(s0.lambda - s1.lambda) / h);
    const r1 = f32(f32(s1.lambda - s2.lambda) / h);
    const d10 = diff(m0, m1).map((v) => f32(1 / r0) * v);
    const d11 = diff(m1, m2).map((v) => f32(1 / r1) * v);
    const d1Diff = diff(d10, d11);
    const d1 = combine([[1, d10], [f32(r0 / f32(r0 + r1)), d1Diff]]);
    const d2 = d1Diff.map((v) => f32(1 / f32(r0 + r1)) * v);
    if (this.config.algorithmType === "dpmsolver++") {
      const phi = f32(Math.exp(-h) - 1);
      return combine([
        [f32(t.sigma / s0.sigma), sample],
        [-f32(t.alpha * phi), m0],
        [f32(t.alpha * f32(f32(phi / h) + 1)), d1],
        [-f32(t.alpha * f32(f32(f32(phi + h) / f32(h * h)) - 0.5)), d2],
      ]);
    }
    const phi = f32(Math.exp(h) - 1);
    return combine([
      [f32(t.alpha / s0.alpha), sample],
      [-f32(t.sigma * phi), m0],
      [-f32(t.sigma * f32(f32(phi / h) - 1)), d1],
      [-f32(t.sigma * f32(f32(f32(phi - h) / f32(h * h)) - 0.5)), d2],
    ]);
  }
}
