/**
 * DEIS (Zhang & Chen 2023, "Fast Sampling of Diffusion Models with Exponential Integrator"),
 * the `logrho` multistep variant of orders 1–3: diffusers' `DEISMultistepScheduler`.
 *
 * @module
 */

import {
  alphasCumprod,
  betasFor,
  multistepSchedule,
  numpyLogF32,
  trainSigmas,
} from "./_schedule.ts";
import {
  alphaSigmaLambda,
  checkInferenceSteps,
  checkStepInputs,
  combine,
  StepCursor,
} from "./_common.ts";
import type { Scheduler, SchedulerConfig, StepOptions, StepOutput } from "./types.ts";

const f32 = Math.fround;
// diffusers calls `np.log` on float32 tensors here.
const log = numpyLogF32;

/** ∫ of the order-2 Lagrange basis in log ρ (DEIS's `ind_fn`), float32. */
function integral2(t: number, b: number, c: number): number {
  return f32(f32(t * f32(f32(-log(c) + log(t)) - 1)) / f32(log(b) - log(c)));
}

/** ∫ of the order-3 Lagrange basis in log ρ (DEIS's `ind_fn`), float32. */
function integral3(t: number, b: number, c: number, d: number): number {
  const [lt, lc, ld] = [log(t), log(c), log(d)];
  let inner = f32(lc * f32(f32(ld - lt) + 1));
  inner = f32(inner - f32(ld * lt));
  inner = f32(inner + ld);
  inner = f32(inner + f32(lt * lt));
  inner = f32(inner - f32(2 * lt));
  inner = f32(inner + 2);
  const numerator = f32(t * inner);
  const denominator = f32(f32(log(b) - lc) * f32(log(b) - ld));
  return f32(numerator / denominator);
}

/** DEIS sampler; see the module comment. */
export class DEISMultistepScheduler implements Scheduler {
  readonly name = "DEISMultistepScheduler";
  readonly order = 1;
  readonly initNoiseSigma = 1;
  readonly config: Readonly<SchedulerConfig>;
  #table: Float32Array;
  #timesteps: number[] = [];
  #sigmas: Float32Array = new Float32Array(0);
  #count: number | null = null;
  #cursor = new StepCursor();
  #outputs: Float32Array[] = [];
  #lowerOrderNums = 0;

  constructor(config: Readonly<SchedulerConfig>) {
    this.config = config;
    this.#table = trainSigmas(alphasCumprod(betasFor(config)));
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
      final: config.useKarrasSigmas ? "last" : "table_min",
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
    const { original, epsilon } = this.#convert(modelOutput, sample, index);
    this.#outputs = [...this.#outputs, epsilon].slice(-config.solverOrder);
    let prevSample: Float32Array;
    if (
      config.solverOrder === 1 || this.#lowerOrderNums < 1 || (index === steps - 1 && short)
    ) {
      const t = alphaSigmaLambda(this.#sigmas[index + 1]!);
      const s = alphaSigmaLambda(this.#sigmas[index]!);
      const h = f32(t.lambda - s.lambda);
      prevSample = combine([
        [f32(t.alpha / s.alpha), sample],
        [-f32(t.sigma * f32(Math.exp(h) - 1)), epsilon],
      ]);
    } else if (
      config.solverOrder === 2 || this.#lowerOrderNums < 2 || (index === steps - 2 && short)
    ) {
      prevSample = this.#multistep(sample, index, 2);
    } else {
      prevSample = this.#multistep(sample, index, 3);
    }
    if (this.#lowerOrderNums < config.solverOrder) this.#lowerOrderNums++;
    this.#cursor.advance();
    return { prevSample, predOriginalSample: original };
  }

  /** x₀ from the model output, then ε re-derived from x₀ in float32 as diffusers does. */
  #convert(modelOutput: Float32Array, sample: Float32Array, index: number) {
    const { alpha, sigma } = alphaSigmaLambda(this.#sigmas[index]!);
    const type = this.config.predictionType;
    const original = type === "sample"
      ? modelOutput.slice()
      : type === "epsilon"
      ? sample.map((x, i) => f32(x - f32(sigma * modelOutput[i]!)) / alpha)
      : combine([[alpha, sample], [-sigma, modelOutput]]);
    const epsilon = sample.map((x, i) => f32(x - f32(alpha * original[i]!)) / sigma);
    return { original, epsilon };
  }

  #multistep(sample: Float32Array, index: number, order: 2 | 3): Float32Array {
    const at = (k: number) => alphaSigmaLambda(this.#sigmas[k]!);
    const t = at(index + 1);
    const s = [at(index), at(index - 1), at(index - 2)];
    const rho = (p: { alpha: number; sigma: number }) => f32(p.sigma / p.alpha);
    const rt = rho(t);
    const [r0, r1] = [rho(s[0]!), rho(s[1]!)];
    const m = this.#outputs.toReversed();
    let coeffs: number[];
    if (order === 2) {
      coeffs = [
        f32(integral2(rt, r0, r1) - integral2(r0, r0, r1)),
        f32(integral2(rt, r1, r0) - integral2(r0, r1, r0)),
      ];
    } else {
      const r2 = rho(s[2]!);
      coeffs = [
        f32(integral3(rt, r0, r1, r2) - integral3(r0, r0, r1, r2)),
        f32(integral3(rt, r1, r2, r0) - integral3(r0, r1, r2, r0)),
        f32(integral3(rt, r2, r0, r1) - integral3(r0, r2, r0, r1)),
      ];
    }
    const alphaS0 = s[0]!.alpha;
    const inner = combine([
      [1, sample.map((x) => x / alphaS0)],
      ...coeffs.map((c, k) => [c, m[k]!] as const),
    ]);
    return inner.map((v) => t.alpha * v);
  }
}
