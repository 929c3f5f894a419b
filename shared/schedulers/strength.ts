/**
 * The strength rule of image to image and inpainting, diffusers' `get_timesteps`: of the
 * `numInferenceSteps` a full run takes, a strength s keeps the last ⌊s·n⌋, entered at step call
 * `t_start · order` (so Heun and KDPM2 skip whole two-call steps, and PNDM's repeated warm-up
 * timestep falls out of the slice).
 *
 * @module
 */

import type { Scheduler } from "./types.ts";

/** What {@linkcode timestepsForStrength} gives. */
export interface StrengthSchedule {
  /** The step calls left, `scheduler.timesteps[beginIndex:]`. */
  timesteps: number[];
  /** The index in `scheduler.timesteps` the loop starts at (`t_start · order`). */
  beginIndex: number;
  /** Inference steps left: `numInferenceSteps − t_start`. */
  steps: number;
  /** The timestep the initial latents are noised to (`timesteps[0]`). */
  latentTimestep: number;
}

/** Throws unless `strength` is a number in (0, 1]. */
export function checkStrength(strength: number): number {
  if (typeof strength !== "number" || !(strength > 0 && strength <= 1)) {
    throw new RangeError(
      `Cannot use 'strength' as it must be a number in (0, 1]: current value is ${
        String(strength)
      }`,
    );
  }
  return strength;
}

/**
 * The inference steps a strength leaves of `steps`: ⌊steps · strength⌋ (diffusers' `init_timestep`),
 * or `steps` without a strength. This is the count progress reports show for image to image.
 *
 * @example
 * ```ts
 * import { stepsForStrength } from "./strength.ts";
 * console.log(stepsForStrength(25, 0.75), stepsForStrength(25)); // 18 25
 * ```
 */
export function stepsForStrength(steps: number, strength?: number): number {
  // Python's int() of a float64 product truncates; the product is positive here.
  return strength === undefined ? steps : Math.min(Math.floor(steps * strength), steps);
}

/**
 * Truncates `scheduler`'s schedule (after `setTimesteps`) for `strength` and sets its begin
 * index, as diffusers' img2img and inpaint pipelines do.
 *
 * @throws {RangeError} when `strength` is outside (0, 1] or leaves no step.
 *
 * @example Strength 0.6 of 10 DDIM steps
 * ```ts ignore
 * scheduler.setTimesteps(10);
 * const { timesteps, latentTimestep } = timestepsForStrength(scheduler, 0.6);
 * // timesteps: [501, 401, 301, 201, 101, 1]; latentTimestep: 501
 * ```
 */
export function timestepsForStrength(scheduler: Scheduler, strength: number): StrengthSchedule {
  checkStrength(strength);
  const total = scheduler.numInferenceSteps;
  if (total === null) {
    throw new RangeError(
      `Cannot apply 'strength' as ${scheduler.name}'s 'setTimesteps' has not been called`,
    );
  }
  const initTimestep = stepsForStrength(total, strength);
  const tStart = Math.max(total - initTimestep, 0);
  const beginIndex = tStart * scheduler.order;
  const timesteps = scheduler.timesteps.slice(beginIndex);
  if (timesteps.length === 0 || initTimestep < 1) {
    throw new RangeError(
      `Cannot use 'strength' ${strength} with ${total} steps as it leaves no denoising step: ` +
        `strength × steps must be at least 1`,
    );
  }
  scheduler.setBeginIndex(beginIndex);
  return { timesteps, beginIndex, steps: total - tStart, latentTimestep: timesteps[0]! };
}
