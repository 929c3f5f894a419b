/**
 * Multistep DPM-Solver (Lu et al. 2022) and DPM-Solver++ (Lu et al. 2023), orders 1–3:
 * diffusers' `DPMSolverMultistepScheduler`. `dpmpp_2m` is DPM-Solver++ order 2; with
 * `use_karras_sigmas` it is `dpmpp_2m_karras`.
 *
 * @module
 */

import { combine } from "./_common.ts";
import { MultistepScheduler, MultistepState } from "./_multistep_state.ts";
import { sigmaAlphasCumprod } from "./_sigma_state.ts";
import type { SchedulerConfig, StepOptions, StepOutput } from "./types.ts";

const f32 = Math.fround;
const diff = (a: Float32Array, b: Float32Array) => a.map((v, i) => v - b[i]!);

/** DPM-Solver(++) sampler; see the module comment. */
export class DPMSolverMultistepScheduler extends MultistepScheduler {
  readonly name = "DPMSolverMultistepScheduler";
  readonly order = 1;
  readonly #state: MultistepState;
  #lastTimestep: number;

  constructor(config: Readonly<SchedulerConfig>) {
    if (config.algorithmType === "dpmsolver" && config.finalSigmasType === "zero") {
      throw new RangeError(
        "Cannot create DPMSolverMultistepScheduler as 'final_sigmas_type' 'zero' needs " +
          "'algorithm_type' 'dpmsolver++': current value is dpmsolver",
      );
    }
    const state = new MultistepState(config, sigmaAlphasCumprod(config));
    super(state);
    this.#state = state;
    // λ clipping: drop the noisiest timesteps whose log-SNR falls below `lambda_min_clipped`.
    const lambdas = state.alphasCumprod.map((a) =>
      f32(f32(Math.log(f32(Math.sqrt(a)))) - f32(Math.log(f32(Math.sqrt(f32(1 - a))))))
    ).reverse();
    const clipped = lambdas.findIndex((l) => l >= config.lambdaMinClipped);
    this.#lastTimestep = config.numTrainTimesteps - (clipped < 0 ? lambdas.length : clipped);
  }

  setTimesteps(numInferenceSteps: number): void {
    this.#state.set(numInferenceSteps, {
      final: this.config.finalSigmasType === "zero" ? "zero" : "table_min",
      lastTimestep: this.#lastTimestep,
    });
  }

  step(
    modelOutput: Float32Array,
    timestep: number,
    sample: Float32Array,
    _options: StepOptions = {},
  ): StepOutput {
    const state = this.#state;
    const { config } = this;
    const { index, steps, short } = state.begin(this.name, modelOutput, sample, timestep);
    const lowerOrderFinal = index === steps - 1 &&
      (config.eulerAtFinal || short || config.finalSigmasType === "zero");
    const lowerOrderSecond = index === steps - 2 && short;

    // The model output as x₀ (DPM-Solver++) or ε (DPM-Solver).
    const converted = config.algorithmType === "dpmsolver++"
      ? state.toX0(modelOutput, sample, index)
      : state.toEpsilon(modelOutput, sample, index);
    state.remember(converted);
    let prevSample: Float32Array;
    if (config.solverOrder === 1 || state.lowerOrderNums < 1 || lowerOrderFinal) {
      prevSample = this.#firstOrder(converted, sample, index);
    } else if (config.solverOrder === 2 || state.lowerOrderNums < 2 || lowerOrderSecond) {
      prevSample = this.#secondOrder(sample, index);
    } else {
      prevSample = this.#thirdOrder(sample, index);
    }
    state.finish();
    return config.algorithmType === "dpmsolver++"
      ? { prevSample, predOriginalSample: converted }
      : { prevSample };
  }

  #firstOrder(output: Float32Array, sample: Float32Array, index: number): Float32Array {
    const t = this.#state.at(index + 1);
    const s = this.#state.at(index);
    const h = f32(t.lambda - s.lambda);
    if (this.config.algorithmType === "dpmsolver++") {
      const c = f32(t.alpha * f32(Math.exp(-h) - 1));
      return combine([[f32(t.sigma / s.sigma), sample], [-c, output]]);
    }
    const c = f32(t.sigma * f32(Math.exp(h) - 1));
    return combine([[f32(t.alpha / s.alpha), sample], [-c, output]]);
  }

  #secondOrder(sample: Float32Array, index: number): Float32Array {
    const state = this.#state;
    const t = state.at(index + 1);
    const s0 = state.at(index);
    const s1 = state.at(index - 1);
    const [m1, m0] = state.outputs.slice(-2) as [Float32Array, Float32Array];
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
    const state = this.#state;
    const t = state.at(index + 1);
    const s0 = state.at(index);
    const s1 = state.at(index - 1);
    const s2 = state.at(index - 2);
    const [m2, m1, m0] = state.outputs.slice(-3) as [Float32Array, Float32Array, Float32Array];
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
