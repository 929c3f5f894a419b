/**
 * Linear multistep (k-diffusion's `sample_lms`): diffusers' `LMSDiscreteScheduler`. The step
 * integrates the Lagrange polynomial through the last (up to 4) derivatives over [σᵢ, σᵢ₊₁].
 *
 * @module
 */

import { SigmaScheduler, SigmaState } from "./_sigma_state.ts";
import type { SchedulerConfig, StepOptions, StepOutput } from "./types.ts";

const f32 = Math.fround;

/** The highest multistep order LMS uses (diffusers' default `order`). */
const MAX_ORDER = 4;
/** 4-point Gauss–Legendre nodes and weights on [−1, 1]: exact for the cubic integrands here. */
const NODES = [-0.8611363115940526, -0.3399810435848563, 0.3399810435848563, 0.8611363115940526];
const WEIGHTS = [0.3478548451374538, 0.6521451548625461, 0.6521451548625461, 0.3478548451374538];

/** ∫ over [σ_i, σ_{i+1}] of the Lagrange basis polynomial of node `current` (nodes σ_i, σ_{i−1}, …). */
function lmsCoefficient(sigmas: Float32Array, order: number, i: number, current: number): number {
  const basis = (tau: number) => {
    let product = 1;
    for (let k = 0; k < order; k++) {
      if (k === current) continue;
      product *= (tau - sigmas[i - k]!) / (sigmas[i - current]! - sigmas[i - k]!);
    }
    return product;
  };
  const a = sigmas[i]!;
  const b = sigmas[i + 1]!;
  const half = (b - a) / 2;
  const mid = (a + b) / 2;
  return NODES.reduce((sum, x, k) => sum + WEIGHTS[k]! * basis(mid + half * x), 0) * half;
}

/** LMS sampler; see the module comment. */
export class LMSDiscreteScheduler extends SigmaScheduler {
  readonly name = "LMSDiscreteScheduler";
  readonly order = 1;
  readonly #state: SigmaState;
  #derivatives: Float32Array[] = [];

  constructor(config: Readonly<SchedulerConfig>) {
    const state = new SigmaState(config);
    super(state);
    this.#state = state;
  }

  setTimesteps(numInferenceSteps: number): void {
    this.#state.set(numInferenceSteps);
    this.#derivatives = [];
  }

  step(
    modelOutput: Float32Array,
    timestep: number,
    sample: Float32Array,
    _options: StepOptions = {},
  ): StepOutput {
    const state = this.#state;
    const index = state.begin(this.name, modelOutput, sample, timestep);
    const sigma = state.sigmas[index]!;
    const original = state.predictOriginal(modelOutput, sample, sigma);
    const derivative = sample.map((x, i) => f32(x - original[i]!) / sigma);
    this.#derivatives = [...this.#derivatives, derivative].slice(-MAX_ORDER);
    const order = Math.min(index + 1, MAX_ORDER);
    const newestFirst = this.#derivatives.toReversed();
    const terms = Array.from({ length: Math.min(order, newestFirst.length) }, (_, k) => ({
      coeff: f32(lmsCoefficient(state.sigmas, order, index, k)),
      derivative: newestFirst[k]!,
    }));
    const prevSample = sample.map((x, i) => {
      let sum = 0;
      for (const { coeff, derivative } of terms) sum = f32(sum + f32(coeff * derivative[i]!));
      return x + sum;
    });
    state.cursor.advance();
    return { prevSample, predOriginalSample: original };
  }
}
