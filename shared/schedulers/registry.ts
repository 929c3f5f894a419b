/**
 * The scheduler registry: diffusers class names and short aliases (`names.ts`) to constructors,
 * each with the config keys and defaults of its diffusers class. The only code that reads
 * snake_case configs.
 *
 * @module
 */

import { parseConfig, type Reader, UNSUPPORTED_KEYS } from "./_config.ts";
import { DDIMScheduler } from "./ddim.ts";
import { DEISMultistepScheduler } from "./deis_multistep.ts";
import { DPMSolverMultistepScheduler } from "./dpm_solver_multistep.ts";
import { EulerAncestralDiscreteScheduler } from "./euler_ancestral_discrete.ts";
import { EulerDiscreteScheduler } from "./euler_discrete.ts";
import { HeunDiscreteScheduler } from "./heun_discrete.ts";
import { KDPM2DiscreteScheduler } from "./k_dpm_2_discrete.ts";
import { LCMScheduler } from "./lcm.ts";
import { LMSDiscreteScheduler } from "./lms_discrete.ts";
import { PNDMScheduler } from "./pndm.ts";
import { UniPCMultistepScheduler } from "./unipc_multistep.ts";
import { ALIASES, type ClassName, schedulerNames } from "./names.ts";
import type { Scheduler, SchedulerConfig } from "./types.ts";

interface Entry {
  create: (config: Readonly<SchedulerConfig>) => Scheduler;
  keys: readonly string[];
  defaults: Partial<SchedulerConfig>;
  special?: Readonly<Record<string, Reader>>;
}

const SD_BETAS = { betaStart: 0.00085, betaEnd: 0.012 } as const;
const KARRAS = ["use_karras_sigmas", "use_exponential_sigmas", "use_beta_sigmas"];
const MULTISTEP = [
  "solver_order",
  "solver_type",
  "lower_order_final",
  "thresholding",
  "use_flow_sigmas",
  "use_dynamic_shifting",
  ...KARRAS,
];

/** Reads `solver_type`, mapping the other families' names the way diffusers does. */
const solverType =
  (own: readonly string[], fallback: SchedulerConfig["solverType"]): Reader => (value, fail) => {
    const known = ["midpoint", "heun", "logrho", "bh1", "bh2"];
    if (typeof value !== "string" || !known.includes(value)) fail(`one of ${own.join(", ")}`);
    return {
      solverType:
        (own.includes(value as string) ? value : fallback) as SchedulerConfig["solverType"],
    };
  };

const CLASSES: Readonly<Record<ClassName, Entry>> = {
  DDIMScheduler: {
    create: (c) => new DDIMScheduler(c),
    keys: [
      "clip_sample",
      "set_alpha_to_one",
      "clip_sample_range",
      "thresholding",
      "rescale_betas_zero_snr",
    ],
    defaults: { timestepSpacing: "leading", setAlphaToOne: true, clipSample: true },
  },
  PNDMScheduler: {
    create: (c) => new PNDMScheduler(c),
    keys: ["skip_prk_steps", "set_alpha_to_one"],
    defaults: { timestepSpacing: "leading" },
  },
  LMSDiscreteScheduler: {
    create: (c) => new LMSDiscreteScheduler(c),
    keys: KARRAS,
    defaults: {},
  },
  EulerDiscreteScheduler: {
    create: (c) => new EulerDiscreteScheduler(c),
    keys: [
      ...KARRAS,
      "sigma_min",
      "sigma_max",
      "final_sigmas_type",
      "rescale_betas_zero_snr",
      "interpolation_type",
      "timestep_type",
    ],
    defaults: {},
  },
  EulerAncestralDiscreteScheduler: {
    create: (c) => new EulerAncestralDiscreteScheduler(c),
    keys: ["rescale_betas_zero_snr"],
    defaults: {},
  },
  HeunDiscreteScheduler: {
    create: (c) => new HeunDiscreteScheduler(c),
    keys: [...KARRAS, "clip_sample", "clip_sample_range"],
    defaults: SD_BETAS,
  },
  KDPM2DiscreteScheduler: {
    create: (c) => new KDPM2DiscreteScheduler(c),
    keys: KARRAS,
    defaults: SD_BETAS,
  },
  DPMSolverMultistepScheduler: {
    create: (c) => new DPMSolverMultistepScheduler(c),
    keys: [
      ...MULTISTEP,
      "algorithm_type",
      "euler_at_final",
      "use_lu_lambdas",
      "final_sigmas_type",
      "lambda_min_clipped",
      "variance_type",
      "rescale_betas_zero_snr",
    ],
    defaults: {},
    special: {
      algorithm_type: (value, fail) => {
        if (value === "dpmsolver++" || value === "deis") return { algorithmType: "dpmsolver++" };
        return value === "dpmsolver" ? { algorithmType: value } : fail("dpmsolver++ or dpmsolver");
      },
      solver_type: solverType(["midpoint", "heun"], "midpoint"),
    },
  },
  UniPCMultistepScheduler: {
    create: (c) => new UniPCMultistepScheduler(c),
    keys: [
      ...MULTISTEP,
      "predict_x0",
      "disable_corrector",
      "solver_p",
      "sigma_min",
      "sigma_max",
      "shift_terminal",
      "final_sigmas_type",
      "rescale_betas_zero_snr",
    ],
    defaults: { solverType: "bh2" },
    special: { solver_type: solverType(["bh1", "bh2"], "bh2") },
  },
  DEISMultistepScheduler: {
    create: (c) => new DEISMultistepScheduler(c),
    keys: [...MULTISTEP, "algorithm_type"],
    defaults: {},
    special: {
      algorithm_type: (value, fail) =>
        ["deis", "dpmsolver", "dpmsolver++"].includes(value as string) ? {} : fail("deis"),
      solver_type: solverType(["logrho"], "midpoint"),
    },
  },
  LCMScheduler: {
    create: (c) => new LCMScheduler(c),
    keys: [
      "original_inference_steps",
      "clip_sample",
      "clip_sample_range",
      "set_alpha_to_one",
      "thresholding",
      "timestep_scaling",
      "rescale_betas_zero_snr",
    ],
    defaults: {
      ...SD_BETAS,
      betaSchedule: "scaled_linear",
      setAlphaToOne: true,
      timestepSpacing: "leading",
    },
  },
};

/**
 * Builds a scheduler from a diffusers class name or alias and a `scheduler_config.json` object
 * (snake_case keys as shipped; keys the class does not take are ignored).
 *
 * @throws {RangeError} for an unknown name or an invalid or unsupported config value.
 * @throws {TypeError} when `config` is not a plain object.
 *
 * @example Stable Diffusion 1.5's config with DPM++ 2M Karras
 * ```ts ignore
 * const scheduler = createScheduler("dpmpp_2m_karras", schedulerConfig);
 * scheduler.setTimesteps(25);
 * console.log(scheduler.timesteps.length); // 25
 * ```
 */
export function createScheduler(
  name: string,
  config: Readonly<Record<string, unknown>> = {},
): Scheduler {
  if (typeof config !== "object" || config === null || Array.isArray(config)) {
    throw new TypeError(`Cannot create scheduler '${name}' as 'config' must be a plain object`);
  }
  const alias = ALIASES.get(name);
  const className = alias?.className ?? name;
  const entry = Object.hasOwn(CLASSES, className) ? CLASSES[className as ClassName] : undefined;
  if (entry === undefined) {
    throw new RangeError(
      `Cannot create scheduler as 'name' must be one of ${schedulerNames().join(", ")}: ` +
        `current value is ${JSON.stringify(name)}`,
    );
  }
  const raw = { ...config, ...alias?.overrides };
  const keys = entry.keys.filter((k) => !UNSUPPORTED_KEYS.includes(k) || k in raw);
  const parsed = parseConfig(className, raw, {
    keys,
    defaults: entry.defaults,
    ...(entry.special ? { special: entry.special } : {}),
  });
  return entry.create(parsed);
}
