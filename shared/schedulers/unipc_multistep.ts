/**
 * UniPC (Zhao et al. 2023, "UniPC: A Unified Predictor-Corrector Framework"): diffusers'
 * `UniPCMultistepScheduler`. Each step first corrects the previous prediction with the new model
 * output (UniC), then predicts the next sample (UniP); B(h) variants `bh1` and `bh2`.
 *
 * @module
 */

import { combine } from "./_common.ts";
import { MultistepScheduler, MultistepState } from "./_multistep_state.ts";
import { sigmaAlphasCumprod } from "./_sigma_state.ts";
import type { SchedulerConfig, StepOptions, StepOutput } from "./types.ts";

const f32 = Math.fround;

/** Solves `matrix · x = rhs` by Gaussian elimination with partial pivoting; float32 result. */
export function solveLinear(matrix: number[][], rhs: number[]): number[] {
  const n = rhs.length;
  const a = matrix.map((row, i) => [...row.slice(0, n), rhs[i]!]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) {
      if (Math.abs(a[r]![col]!) > Math.abs(a[pivot]![col]!)) pivot = r;
    }
    [a[col], a[pivot]] = [a[pivot]!, a[col]!];
    for (let r = col + 1; r < n; r++) {
      const factor = a[r]![col]! / a[col]![col]!;
      for (let c = col; c <= n; c++) a[r]![c]! -= factor * a[col]![c]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let sum = a[r]![n]!;
    for (let c = r + 1; c < n; c++) sum -= a[r]![c]! * x[c]!;
    x[r] = sum / a[r]![r]!;
  }
  return x.map(f32);
}

/** UniPC sampler; see the module comment. */
export class UniPCMultistepScheduler extends MultistepScheduler {
  readonly name = "UniPCMultistepScheduler";
  readonly order = 1;
  readonly #state: MultistepState;
  #lastSample: Float32Array | null = null;
  #thisOrder = 1;

  constructor(config: Readonly<SchedulerConfig>) {
    const state = new MultistepState(config, sigmaAlphasCumprod(config));
    super(state);
    this.#state = state;
  }

  setTimesteps(numInferenceSteps: number): void {
    const { config } = this;
    const final = config.finalSigmasType === "zero"
      ? "zero"
      : config.useKarrasSigmas
      ? "last"
      : "table_min";
    this.#state.set(numInferenceSteps, {
      final,
      sigmaMin: config.sigmaMin,
      sigmaMax: config.sigmaMax,
    });
    this.#lastSample = null;
    this.#thisOrder = 1;
  }

  step(
    modelOutput: Float32Array,
    timestep: number,
    sample: Float32Array,
    _options: StepOptions = {},
  ): StepOutput {
    const state = this.#state;
    const { config } = this;
    const { index, steps } = state.begin(this.name, modelOutput, sample, timestep);
    // The model output as x₀ (`predict_x0`) or ε.
    const converted = config.predictX0
      ? state.toX0(modelOutput, sample, index)
      : state.toEpsilon(modelOutput, sample, index);
    let current = sample;
    if (
      index > 0 && !config.disableCorrector.includes(index - 1) && this.#lastSample !== null
    ) {
      current = this.#update(converted, this.#lastSample, index - 1, this.#thisOrder);
    }
    state.remember(converted);
    const cap = config.lowerOrderFinal
      ? Math.min(config.solverOrder, steps - index)
      : config.solverOrder;
    this.#thisOrder = Math.min(cap, state.lowerOrderNums + 1);
    this.#lastSample = current;
    const prevSample = this.#update(null, current, index, this.#thisOrder);
    state.finish();
    return { prevSample };
  }

  /**
   * One update of order `order` from step `from` to the next σ, over the state's output history
   * (newest last): the predictor UniP when `corrected` is null, else the corrector UniC, which
   * runs before the new output `corrected` joins the history.
   */
  #update(
    corrected: Float32Array | null,
    base: Float32Array,
    from: number,
    order: number,
  ): Float32Array {
    const { config } = this;
    const state = this.#state;
    const outputs = state.outputs;
    const t = state.at(from + 1);
    const s0 = state.at(from);
    const m0 = outputs[outputs.length - 1]!;
    const h = f32(t.lambda - s0.lambda);
    const rks: number[] = [];
    const d1s: Float32Array[] = [];
    for (let k = 1; k < order; k++) {
      const si = state.at(from - k);
      const rk = f32(f32(si.lambda - s0.lambda) / h);
      const mk = outputs[outputs.length - 1 - k]!;
      rks.push(rk);
      d1s.push(mk.map((v, i) => f32(v - m0[i]!) / rk));
    }
    rks.push(1);
    const hh = config.predictX0 ? -h : h;
    const phi1 = f32(Math.expm1(hh));
    const bh = config.solverType === "bh1" ? hh : phi1;
    const matrix: number[][] = [];
    const b: number[] = [];
    let phiK = f32(f32(phi1 / hh) - 1);
    let factorial = 1;
    for (let i = 1; i <= order; i++) {
      matrix.push(rks.map((r) => f32(r ** (i - 1))));
      b.push(f32(f32(phiK * factorial) / bh));
      factorial *= i + 1;
      phiK = f32(f32(phiK / hh) - f32(1 / factorial));
    }
    const scale = config.predictX0 ? t.alpha : t.sigma;
    const ratio = config.predictX0 ? f32(t.sigma / s0.sigma) : f32(t.alpha / s0.alpha);
    const terms: [number, Float32Array][] = [[ratio, base], [-f32(scale * phi1), m0]];
    const coeff = -f32(scale * bh);
    let rhos: number[];
    if (corrected === null) {
      if (d1s.length === 0) return combine(terms);
      rhos = order === 2 ? [0.5] : solveLinear(
        matrix.slice(0, -1).map((row) => row.slice(0, -1)),
        b.slice(0, -1),
      );
    } else {
      rhos = order === 1 ? [0.5] : solveLinear(matrix, b);
    }
    const residual = d1s.length === 0
      ? new Float32Array(base.length)
      : combine(d1s.map((d, k) => [rhos[k]!, d] as const));
    if (corrected !== null) {
      const last = rhos[rhos.length - 1]!;
      for (let i = 0; i < residual.length; i++) {
        residual[i] = residual[i]! + f32(last * f32(corrected[i]! - m0[i]!));
      }
    }
    return combine([...terms, [coeff, residual]]);
  }
}
