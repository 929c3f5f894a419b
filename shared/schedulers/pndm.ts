/**
 * PNDM (Liu et al. 2022, "Pseudo Numerical Methods for Diffusion Models"): diffusers'
 * `PNDMScheduler`. With `skip_prk_steps` it is PLMS (linear multistep only, what Stable
 * Diffusion ships); without, three Runge–Kutta warm-up steps come first. Either way the
 * schedule holds more step calls than inference steps, some timesteps repeated.
 *
 * @module
 */

import { AlphaScheduler, AlphaState } from "./_alpha_state.ts";
import { spacedTimesteps } from "./_schedule.ts";
import { checkInferenceSteps } from "./_common.ts";
import type { SchedulerConfig, StepOptions, StepOutput } from "./types.ts";

const f32 = Math.fround;

/** PNDM / PLMS sampler; see the module comment. */
export class PNDMScheduler extends AlphaScheduler {
  readonly name = "PNDMScheduler";
  readonly order = 1;
  readonly #state: AlphaState;
  /** The Runge–Kutta warm-up timesteps, the head of the schedule (empty for PLMS). */
  #prk: number[] = [];
  #ets: Float32Array[] = [];
  #counter = 0;
  #curModelOutput: Float64Array | null = null;
  #curSample: Float32Array | null = null;

  constructor(config: Readonly<SchedulerConfig>) {
    if (config.predictionType === "sample") {
      throw new RangeError(
        "Cannot create PNDMScheduler as 'prediction_type' must be 'epsilon' or 'v_prediction': " +
          "current value is sample",
      );
    }
    const state = new AlphaState(config);
    super(state);
    this.#state = state;
  }

  setTimesteps(numInferenceSteps: number): void {
    const state = this.#state;
    const { config } = this;
    checkInferenceSteps(numInferenceSteps, config.numTrainTimesteps);
    state.count = numInferenceSteps;
    state.cursor.reset();
    const ascending = spacedTimesteps(config, numInferenceSteps, "discrete").reverse();
    let plms: number[];
    if (config.skipPrkSteps) {
      // The first timestep is taken twice: PLMS's warm-up averages two model outputs there.
      this.#prk = [];
      plms = [...ascending.slice(0, -1), ...ascending.slice(-2)].reverse();
    } else {
      const half = Math.floor(Math.floor(config.numTrainTimesteps / numInferenceSteps) / 2);
      const pairs = ascending.slice(-4).flatMap((t) => [t, t + half]);
      const doubled = pairs.slice(0, -1).flatMap((t) => [t, t]);
      this.#prk = doubled.slice(1, -1).reverse();
      plms = ascending.slice(0, -3).reverse();
    }
    state.timesteps = [...this.#prk, ...plms];
    this.#ets = [];
    this.#counter = 0;
    this.#curModelOutput = null;
    this.#curSample = null;
  }

  step(
    modelOutput: Float32Array,
    timestep: number,
    sample: Float32Array,
    _options: StepOptions = {},
  ): StepOutput {
    this.#state.check(this.name, modelOutput, sample);
    const prevSample = this.#counter < this.#prk.length && !this.config.skipPrkSteps
      ? this.#stepPrk(modelOutput, timestep, sample)
      : this.#stepPlms(modelOutput, timestep, sample);
    this.#counter++;
    return { prevSample };
  }

  #stepPrk(modelOutput: Float32Array, timestep: number, sample: Float32Array): Float32Array {
    const counter = this.#counter;
    const half = Math.floor(Math.floor(this.config.numTrainTimesteps / this.#state.count!) / 2);
    const prevTimestep = timestep - (counter % 2 ? 0 : half);
    const from = this.#prk[Math.floor(counter / 4) * 4]!;
    const phase = counter % 4;
    let output = modelOutput;
    if (phase === 0) {
      this.#curModelOutput = Float64Array.from(modelOutput, (m) => f32(m * f32(1 / 6)));
      this.#ets.push(modelOutput);
      this.#curSample = sample;
    } else if (phase === 1 || phase === 2) {
      const acc = this.#curModelOutput!;
      for (let i = 0; i < acc.length; i++) {
        acc[i] = f32(acc[i]! + f32(f32(1 / 3) * modelOutput[i]!));
      }
    } else {
      const acc = this.#curModelOutput!;
      output = Float32Array.from(acc, (a, i) => a + f32(f32(1 / 6) * modelOutput[i]!));
      this.#curModelOutput = null;
    }
    return this.#prevSample(this.#curSample ?? sample, from, prevTimestep, output);
  }

  #stepPlms(modelOutput: Float32Array, timestep: number, sample: Float32Array): Float32Array {
    const stride = Math.floor(this.config.numTrainTimesteps / this.#state.count!);
    let from = timestep;
    let prevTimestep = timestep - stride;
    if (this.#counter !== 1) {
      this.#ets = [...this.#ets.slice(-3), modelOutput];
    } else {
      prevTimestep = timestep;
      from = timestep + stride;
    }
    const ets = this.#ets;
    const e = (k: number) => ets[ets.length - k]!;
    let output: Float32Array;
    let base = sample;
    if (ets.length === 1 && this.#counter === 0) {
      output = modelOutput;
      this.#curSample = sample;
    } else if (ets.length === 1 && this.#counter === 1) {
      output = modelOutput.map((m, i) => f32(m + e(1)[i]!) / 2);
      base = this.#curSample!;
      this.#curSample = null;
    } else if (ets.length === 2) {
      output = e(1).map((m, i) => f32(f32(3 * m) - e(2)[i]!) / 2);
    } else if (ets.length === 3) {
      output = e(1).map((m, i) =>
        f32(f32(f32(23 * m) - f32(16 * e(2)[i]!)) + f32(5 * e(3)[i]!)) / 12
      );
    } else {
      const c = f32(1 / 24);
      output = e(1).map((m, i) => {
        const sum = f32(f32(f32(55 * m) - f32(59 * e(2)[i]!)) + f32(37 * e(3)[i]!));
        return c * f32(sum - f32(9 * e(4)[i]!));
      });
    }
    return this.#prevSample(base, from, prevTimestep, output);
  }

  /** Formula (9) of the PNDM paper: x_{t−δ} from x_t and ε. */
  #prevSample(
    sample: Float32Array,
    timestep: number,
    prevTimestep: number,
    modelOutput: Float32Array,
  ): Float32Array {
    const state = this.#state;
    const alphaProd = state.alphasCumprod[timestep];
    if (alphaProd === undefined) {
      throw new RangeError(
        `Cannot step ${this.name} as timestep ${timestep} is outside [0, ` +
          `${this.config.numTrainTimesteps})`,
      );
    }
    const alphaPrev = state.alphaPrev(prevTimestep);
    const betaProd = f32(1 - alphaProd);
    const betaPrev = f32(1 - alphaPrev);
    let epsilon = modelOutput;
    if (this.config.predictionType === "v_prediction") {
      const a = f32(Math.sqrt(alphaProd));
      const b = f32(Math.sqrt(betaProd));
      epsilon = modelOutput.map((m, i) => f32(a * m) + f32(b * sample[i]!));
    }
    const sampleCoeff = f32(Math.sqrt(f32(alphaPrev / alphaProd)));
    const denominator = f32(
      f32(alphaProd * f32(Math.sqrt(betaPrev))) +
        f32(Math.sqrt(f32(f32(alphaProd * betaProd) * alphaPrev))),
    );
    const diff = f32(alphaPrev - alphaProd);
    return sample.map((x, i) => f32(sampleCoeff * x) - f32(f32(diff * epsilon[i]!) / denominator));
  }
}
