/**
 * Helpers every scheduler file uses: argument checks, the step-index cursor, noise draws and the
 * σ-input scaling of the Euler family.
 *
 * @module
 */

import { elementCount } from "../tensor/mod.ts";
import type { StepOptions } from "./types.ts";

const f32 = Math.fround;

/** Throws unless `count` is an integer in [1, `max`]. */
export function checkInferenceSteps(count: number, max: number): void {
  if (!Number.isInteger(count) || count < 1 || count > max) {
    throw new RangeError(
      `Cannot set timesteps as 'numInferenceSteps' must be an integer in [1, ${max}]: ` +
        `current value is ${count}`,
    );
  }
}

/** Throws unless `setTimesteps` ran and both arrays have the same length. */
export function checkStepInputs(
  name: string,
  ready: boolean,
  modelOutput: Float32Array,
  sample: Float32Array,
): void {
  if (!ready) {
    throw new RangeError(`Cannot step ${name} as 'setTimesteps' has not been called`);
  }
  if (modelOutput.length !== sample.length) {
    throw new RangeError(
      `Cannot step ${name} as 'modelOutput' must have the sample's length ${sample.length}: ` +
        `current length is ${modelOutput.length}`,
    );
  }
}

/**
 * Draws the noise of one step: exactly one `generator.randn(shape)` call with the sample's full
 * shape, as diffusers' `randn_tensor(model_output.shape, generator=...)` does.
 */
export function drawNoise(name: string, length: number, options: StepOptions): Float32Array {
  const { generator } = options;
  if (generator === undefined) {
    throw new TypeError(
      `Cannot step ${name} as this step draws noise and no 'generator' was given`,
    );
  }
  const shape = options.shape ?? [length];
  const size = elementCount(shape);
  if (size !== length) {
    throw new RangeError(
      `Cannot step ${name} as 'shape' must hold ${length} elements: current shape is [${shape}]`,
    );
  }
  const noise = generator.randn(shape);
  if (noise.length !== length) {
    throw new RangeError(`Cannot step ${name} as the generator returned ${noise.length} values`);
  }
  return noise;
}

/**
 * The index of `timestep` in `timesteps` the way diffusers' σ-based schedulers find it: the only
 * match, or the second when it repeats (so a schedule entered mid-way, as image to image does,
 * never skips a σ). With `fallbackToLast` (the multistep solvers) a missing timestep gives the
 * last index; otherwise it is a `RangeError`.
 */
export function indexForTimestep(
  timesteps: readonly number[],
  timestep: number,
  fallbackToLast = false,
): number {
  const matches: number[] = [];
  timesteps.forEach((t, i) => t === timestep && matches.push(i));
  const found = matches.length > 1 ? matches[1] : matches[0];
  if (found !== undefined) return found;
  if (fallbackToLast) return timesteps.length - 1;
  throw new RangeError(
    `Cannot find timestep ${timestep} in the schedule: pass a value from 'timesteps'`,
  );
}

/**
 * The position in the schedule, like diffusers' `_step_index` and `_begin_index`: the begin
 * index when one was set, else found from the first timestep passed, then advanced once per step.
 */
export class StepCursor {
  #index: number | null = null;
  #begin: number | null = null;

  /** Forgets the position and the begin index; the next timestep passed locates it again. */
  reset(): void {
    this.#index = null;
    this.#begin = null;
  }

  /** The step index the first step starts from (diffusers' `set_begin_index`), or `null`. */
  get begin(): number | null {
    return this.#begin;
  }

  set begin(index: number | null) {
    this.#begin = index;
  }

  /** The step index once a step (or input scaling) located it, else `null`. */
  get index(): number | null {
    return this.#index;
  }

  /** The current index, locating `timestep` in `timesteps` if none is held yet. */
  locate(timesteps: readonly number[], timestep: number, fallbackToLast = false): number {
    if (this.#index !== null) return this.#index;
    this.#index = this.#begin ?? indexForTimestep(timesteps, timestep, fallbackToLast);
    return this.#index;
  }

  /**
   * The schedule index `add_noise` uses for `timestep`: a lookup when no begin index is set,
   * else the current step index, else the begin index (diffusers ≥ 0.26).
   */
  noiseIndex(timesteps: readonly number[], timestep: number, fallbackToLast = false): number {
    if (this.#begin === null) return indexForTimestep(timesteps, timestep, fallbackToLast);
    return this.#index ?? this.#begin;
  }

  /** Moves to the next step call. */
  advance(): void {
    if (this.#index !== null) this.#index++;
  }
}

/**
 * `a(t)·x + b(t)·n` per batch row, in float32 like torch's `a * x + b * n`: the forward process
 * every scheduler's `addNoise` applies, with one timestep per row of `original`.
 */
export function noiseRows(
  name: string,
  original: Float32Array,
  noise: Float32Array,
  timesteps: readonly number[],
  coefficients: (timestep: number) => readonly [number, number],
): Float32Array {
  const rows = timesteps.length;
  if (noise.length !== original.length) {
    throw new RangeError(
      `Cannot add noise with ${name} as 'noise' must have the sample's length ` +
        `${original.length}: current length is ${noise.length}`,
    );
  }
  if (rows < 1 || original.length % rows !== 0) {
    throw new RangeError(
      `Cannot add noise with ${name} as 'timesteps' must hold one timestep per batch row: ` +
        `${rows} timesteps for ${original.length} values`,
    );
  }
  const rowSize = original.length / rows;
  const out = new Float32Array(original.length);
  for (let r = 0; r < rows; r++) {
    const [a, b] = coefficients(timesteps[r]!);
    for (let i = r * rowSize; i < (r + 1) * rowSize; i++) {
      out[i] = f32(a * original[i]!) + f32(b * noise[i]!);
    }
  }
  return out;
}

/** `sample / √(σ² + 1)` in float32, as a new array. */
export function scaleBySigma(sample: Float32Array, sigma: number): Float32Array {
  const denominator = f32(Math.sqrt(f32(f32(sigma * sigma) + 1)));
  return sample.map((x) => x / denominator);
}

/** x₀ from an ε/v/sample prediction at noise level σ (Euler-family parameterisation). */
export function predictOriginalFromSigma(
  predictionType: string,
  modelOutput: Float32Array,
  sample: Float32Array,
  sigma: number,
): Float32Array {
  if (predictionType === "sample") return modelOutput.slice();
  if (predictionType === "epsilon") return sample.map((x, i) => x - f32(sigma * modelOutput[i]!));
  const s2 = f32(f32(sigma * sigma) + 1);
  const c = f32(-sigma / f32(Math.sqrt(s2)));
  return sample.map((x, i) => f32(modelOutput[i]! * c) + f32(x / s2));
}

/** Clamps every element into [−range, range] in place and returns the array. */
export function clampInPlace(values: Float32Array, range: number): Float32Array {
  for (let i = 0; i < values.length; i++) {
    values[i] = Math.min(range, Math.max(-range, values[i]!));
  }
  return values;
}

/**
 * Σ cₖ·aₖ elementwise, accumulated left to right in float32 like a chain of torch ops
 * (`c0 * a0 + c1 * a1 - …`; pass subtractions as negative coefficients).
 */
export function combine(terms: readonly (readonly [number, Float32Array])[]): Float32Array {
  const [head, ...rest] = terms;
  const out = head![1].map((v) => head![0] * v);
  for (const [c, values] of rest) {
    for (let i = 0; i < out.length; i++) out[i] = out[i]! + f32(c * values[i]!);
  }
  return out;
}

/** α and σ of the VP process at noise level `sigma` (σ = σ_vp / α_vp), and λ = log α − log σ. */
export function alphaSigmaLambda(sigma: number): { alpha: number; sigma: number; lambda: number } {
  const alpha = f32(1 / f32(Math.sqrt(f32(f32(sigma * sigma) + 1))));
  const sigmaT = f32(sigma * alpha);
  return { alpha, sigma: sigmaT, lambda: f32(f32(Math.log(alpha)) - f32(Math.log(sigmaT))) };
}
