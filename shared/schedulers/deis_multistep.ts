/**
 * DEIS (Zhang & Chen 2023, "Fast Sampling of Diffusion Models with Exponential Integrator"),
 * the `logrho` multistep variant of orders 1–3: diffusers' `DEISMultistepScheduler`.
 *
 * @module
 */

import { alphasCumprod, betasFor, numpyLogF32 } from "./_schedule.ts";
import { combine } from "./_common.ts";
import { MultistepScheduler, MultistepState } from "./_multistep_state.ts";
import type { SchedulerConfig, StepOptions, StepOutput } from "./types.ts";

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
export class DEISMultistepScheduler extends MultistepScheduler {
  readonly name = "DEISMultistepScheduler";
  readonly order = 1;
  readonly #state: MultistepState;

  constructor(config: Readonly<SchedulerConfig>) {
    // diffusers' DEIS has no `rescale_betas_zero_snr`, so its ᾱ table is never pinned.
    const state = new MultistepState(config, alphasCumprod(betasFor(config)));
    super(state);
    this.#state = state;
  }

  setTimesteps(numInferenceSteps: number): void {
    this.#state.set(numInferenceSteps, {
      final: this.config.useKarrasSigmas ? "last" : "table_min",
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
    // x₀ from the model output, then ε re-derived from x₀ in float32 as diffusers does.
    const original = state.toX0(modelOutput, sample, index);
    const { alpha, sigma } = state.at(index);
    const epsilon = sample.map((x, i) => f32(x - f32(alpha * original[i]!)) / sigma);
    state.remember(epsilon);
    let prevSample: Float32Array;
    if (config.solverOrder === 1 || state.lowerOrderNums < 1 || (index === steps - 1 && short)) {
      const t = state.at(index + 1);
      const s = state.at(index);
      const h = f32(t.lambda - s.lambda);
      prevSample = combine([
        [f32(t.alpha / s.alpha), sample],
        [-f32(t.sigma * f32(Math.exp(h) - 1)), epsilon],
      ]);
    } else if (
      config.solverOrder === 2 || state.lowerOrderNums < 2 || (index === steps - 2 && short)
    ) {
      prevSample = this.#multistep(sample, index, 2);
    } else {
      prevSample = this.#multistep(sample, index, 3);
    }
    state.finish();
    return { prevSample, predOriginalSample: original };
  }

  #multistep(sample: Float32Array, index: number, order: 2 | 3): Float32Array {
    const state = this.#state;
    const t = state.at(index + 1);
    const s = [state.at(index), state.at(index - 1), state.at(index - 2)];
    const rho = (p: { alpha: number; sigma: number }) => f32(p.sigma / p.alpha);
    const rt = rho(t);
    const [r0, r1] = [rho(s[0]!), rho(s[1]!)];
    const m = state.outputs.toReversed();
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
