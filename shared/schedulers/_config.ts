/**
 * Reads a diffusers `scheduler_config.json` object (snake_case) into a {@linkcode SchedulerConfig}:
 * class defaults filled in, keys the class does not take ignored (as diffusers' `from_config`
 * does), bad values rejected with a RangeError. Used by the registry only.
 *
 * @module
 */

import type { SchedulerConfig } from "./types.ts";

/** Base defaults; each class overrides some (see the registry). */
export const BASE_DEFAULTS: Readonly<SchedulerConfig> = Object.freeze({
  numTrainTimesteps: 1000,
  betaStart: 0.0001,
  betaEnd: 0.02,
  betaSchedule: "linear",
  trainedBetas: null,
  rescaleBetasZeroSnr: false,
  predictionType: "epsilon",
  timestepSpacing: "linspace",
  stepsOffset: 0,
  setAlphaToOne: false,
  clipSample: false,
  clipSampleRange: 1,
  skipPrkSteps: false,
  useKarrasSigmas: false,
  sigmaMin: null,
  sigmaMax: null,
  finalSigmasType: "zero",
  solverOrder: 2,
  algorithmType: "dpmsolver++",
  solverType: "midpoint",
  lowerOrderFinal: true,
  eulerAtFinal: false,
  lambdaMinClipped: -Infinity,
  predictX0: true,
  disableCorrector: [],
  originalInferenceSteps: 50,
  timestepScaling: 10,
});

/** Keys accepted by every class. */
export const COMMON_KEYS = [
  "num_train_timesteps",
  "beta_start",
  "beta_end",
  "beta_schedule",
  "trained_betas",
  "prediction_type",
  "timestep_spacing",
  "steps_offset",
] as const;

/** Keys naming diffusers features this port leaves out, with the value that means "off". */
const UNSUPPORTED: Readonly<Record<string, unknown>> = {
  thresholding: false,
  use_exponential_sigmas: false,
  use_beta_sigmas: false,
  use_lu_lambdas: false,
  use_flow_sigmas: false,
  use_dynamic_shifting: false,
  timestep_type: "discrete",
  interpolation_type: "linear",
  variance_type: null,
  shift_terminal: null,
  solver_p: null,
};

type Reader = (
  value: unknown,
  fail: (expected: string) => never,
) => Partial<SchedulerConfig>;

const oneOf =
  <T extends string>(allowed: readonly T[], map: (v: T) => Partial<SchedulerConfig>) =>
  (value: unknown, fail: (expected: string) => never) =>
    allowed.includes(value as T) ? map(value as T) : fail(`one of ${allowed.join(", ")}`);

const bool = (key: keyof SchedulerConfig): Reader => (value, fail) =>
  typeof value === "boolean" ? { [key]: value } : fail("a boolean");

const integer =
  (key: keyof SchedulerConfig, min: number, max = Infinity): Reader => (value, fail) =>
    Number.isInteger(value) && (value as number) >= min && (value as number) <= max
      ? { [key]: value }
      : fail(`an integer in [${min}, ${max}]`);

const number =
  (key: keyof SchedulerConfig, min: number, max: number, open = false): Reader => (value, fail) =>
    typeof value === "number" && value >= min && (open ? value < max : value <= max)
      ? { [key]: value }
      : fail(`a number in [${min}, ${max}${open ? ")" : "]"}`);

const optionalPositive = (key: keyof SchedulerConfig): Reader => (value, fail) =>
  value === null || (typeof value === "number" && value > 0 && Number.isFinite(value))
    ? { [key]: value }
    : fail("null or a positive number");

/** How each snake_case key is read. */
const READERS: Readonly<Record<string, Reader>> = {
  num_train_timesteps: integer("numTrainTimesteps", 2, 100_000),
  beta_start: number("betaStart", 0, 1, true),
  beta_end: number("betaEnd", 0, 1, true),
  beta_schedule: oneOf(
    ["linear", "scaled_linear", "squaredcos_cap_v2"] as const,
    (betaSchedule) => ({ betaSchedule }),
  ),
  trained_betas: (value, fail) => {
    if (value === null) return { trainedBetas: null };
    const ok = Array.isArray(value) &&
      value.every((b) => typeof b === "number" && b >= 0 && b < 1);
    return ok ? { trainedBetas: Object.freeze([...value]) } : fail("null or betas in [0, 1)");
  },
  prediction_type: oneOf(
    ["epsilon", "v_prediction", "sample"] as const,
    (predictionType) => ({ predictionType }),
  ),
  timestep_spacing: oneOf(
    ["linspace", "leading", "trailing"] as const,
    (timestepSpacing) => ({ timestepSpacing }),
  ),
  steps_offset: integer("stepsOffset", 0, 1000),
  rescale_betas_zero_snr: bool("rescaleBetasZeroSnr"),
  set_alpha_to_one: bool("setAlphaToOne"),
  clip_sample: bool("clipSample"),
  clip_sample_range: number("clipSampleRange", Number.MIN_VALUE, Number.MAX_VALUE),
  skip_prk_steps: bool("skipPrkSteps"),
  use_karras_sigmas: (value, fail) =>
    value === null || typeof value === "boolean"
      ? { useKarrasSigmas: value === true }
      : fail("a boolean"),
  sigma_min: optionalPositive("sigmaMin"),
  sigma_max: optionalPositive("sigmaMax"),
  final_sigmas_type: oneOf(
    ["zero", "sigma_min"] as const,
    (finalSigmasType) => ({ finalSigmasType }),
  ),
  solver_order: integer("solverOrder", 1, 3),
  lower_order_final: bool("lowerOrderFinal"),
  euler_at_final: bool("eulerAtFinal"),
  lambda_min_clipped: (value, fail) => {
    if (value === null || value === "-inf" || value === "-Infinity") {
      return { lambdaMinClipped: -Infinity };
    }
    return typeof value === "number" && !Number.isNaN(value)
      ? { lambdaMinClipped: value }
      : fail("a number");
  },
  predict_x0: bool("predictX0"),
  disable_corrector: (value, fail) =>
    Array.isArray(value) && value.every(Number.isInteger)
      ? { disableCorrector: Object.freeze([...value]) }
      : fail("a list of step indices"),
  original_inference_steps: integer("originalInferenceSteps", 1, 100_000),
  timestep_scaling: number("timestepScaling", Number.MIN_VALUE, Number.MAX_VALUE),
};

/**
 * Parses `raw` for class `name`: only `keys` (beyond {@linkcode COMMON_KEYS}) are read, each
 * through its reader; `special` handles class-specific keys such as `algorithm_type`.
 */
export function parseConfig(
  name: string,
  raw: Readonly<Record<string, unknown>>,
  options: {
    keys: readonly string[];
    defaults: Partial<SchedulerConfig>;
    special?: Readonly<Record<string, Reader>>;
  },
): Readonly<SchedulerConfig> {
  const config: SchedulerConfig = { ...BASE_DEFAULTS, ...options.defaults };
  const readers: Record<string, Reader> = { ...READERS, ...options.special };
  for (const key of [...COMMON_KEYS, ...options.keys]) {
    if (!(key in raw) || raw[key] === undefined) continue;
    const value = raw[key];
    const fail = (expected: string): never => {
      throw new RangeError(
        `Cannot create ${name} as '${key}' must be ${expected}: current value is ` +
          JSON.stringify(value),
      );
    };
    if (key in UNSUPPORTED) {
      if (value !== UNSUPPORTED[key] && value !== null) {
        fail(`${JSON.stringify(UNSUPPORTED[key])} (other values are not supported)`);
      }
      continue;
    }
    Object.assign(config, readers[key]!(value, fail));
  }
  if (config.trainedBetas !== null && config.trainedBetas.length !== config.numTrainTimesteps) {
    throw new RangeError(
      `Cannot create ${name} as 'trained_betas' must hold 'num_train_timesteps' ` +
        `(${config.numTrainTimesteps}) values: current length is ${config.trainedBetas.length}`,
    );
  }
  return Object.freeze(config);
}

/** Keys that name features outside this port; a class lists those diffusers lets it take. */
export const UNSUPPORTED_KEYS: readonly string[] = Object.keys(UNSUPPORTED);

export type { Reader };
