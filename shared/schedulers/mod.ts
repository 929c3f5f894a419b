/**
 * Noise schedulers: diffusers' sampling algorithms in TypeScript, built from a model's
 * `scheduler_config.json` and matching diffusers to float32 precision.
 *
 * @example Euler on Stable Diffusion 1.5's config
 * ```ts ignore
 * import { createScheduler } from "./mod.ts";
 * const scheduler = createScheduler("euler", schedulerConfig);
 * scheduler.setTimesteps(25);
 * for (const t of scheduler.timesteps) {
 *   const noisePred = await unet(scheduler.scaleModelInput(latents, t), t);
 *   latents = scheduler.step(noisePred, t, latents, { generator }).prevSample;
 * }
 * ```
 *
 * @module
 */

export { createScheduler } from "./registry.ts";
export {
  CLASS_NAMES,
  type ClassName,
  findSampler,
  samplerName,
  samplers,
  SCHEDULER_ALIASES,
  type SchedulerAlias,
  schedulerAlias,
  schedulerNames,
} from "./names.ts";
export { DDIMScheduler } from "./ddim.ts";
export { DEISMultistepScheduler } from "./deis_multistep.ts";
export { DPMSolverMultistepScheduler } from "./dpm_solver_multistep.ts";
export { EulerAncestralDiscreteScheduler } from "./euler_ancestral_discrete.ts";
export { EulerDiscreteScheduler } from "./euler_discrete.ts";
export { HeunDiscreteScheduler } from "./heun_discrete.ts";
export { KDPM2DiscreteScheduler } from "./k_dpm_2_discrete.ts";
export { LCMScheduler } from "./lcm.ts";
export { LMSDiscreteScheduler } from "./lms_discrete.ts";
export { PNDMScheduler } from "./pndm.ts";
export { UniPCMultistepScheduler } from "./unipc_multistep.ts";
export {
  checkStrength,
  stepsForStrength,
  type StrengthSchedule,
  timestepsForStrength,
} from "./strength.ts";
export type {
  BetaSchedule,
  NoiseGenerator,
  PredictionType,
  Scheduler,
  SchedulerConfig,
  StepOptions,
  StepOutput,
  TimestepSpacing,
} from "./types.ts";
