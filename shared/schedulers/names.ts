/**
 * Scheduler names without the schedulers: the diffusers class names, the short aliases and the one
 * sampler-name table (alias → class, AUTOMATIC1111 display name and A1111 aliases). Light enough
 * for the browser SDK to check names without bundling the algorithms; `registry.ts` builds them.
 *
 * @module
 */

/** The diffusers classes the registry builds. */
export const CLASS_NAMES = [
  "DDIMScheduler",
  "PNDMScheduler",
  "LMSDiscreteScheduler",
  "EulerDiscreteScheduler",
  "EulerAncestralDiscreteScheduler",
  "HeunDiscreteScheduler",
  "KDPM2DiscreteScheduler",
  "DPMSolverMultistepScheduler",
  "UniPCMultistepScheduler",
  "DEISMultistepScheduler",
  "LCMScheduler",
] as const;

/** A diffusers scheduler class name. */
export type ClassName = typeof CLASS_NAMES[number];

/**
 * One short name: the class it builds, config keys that override the given config, and how
 * AUTOMATIC1111 calls it (`a1111`, its display name, and `a1111Aliases`, its `k_…` spellings).
 */
export interface SchedulerAlias {
  /** The short name, e.g. `euler_a`. */
  readonly alias: string;
  /** The diffusers class it builds, e.g. `EulerAncestralDiscreteScheduler`. */
  readonly className: ClassName;
  /** A1111's sampler display name, e.g. `Euler a`: what PNG parameters and `/sdapi` show. */
  readonly a1111: string;
  /** Other A1111 spellings clients send in `sampler_name` (lower case). */
  readonly a1111Aliases: readonly string[];
  readonly overrides?: Readonly<Record<string, unknown>>;
}

const PLMS = { skip_prk_steps: true } as const;
const DPMPP_2M = { algorithm_type: "dpmsolver++", solver_order: 2 } as const;

/**
 * The one sampler-name table: every alias with its class and A1111 names. The first alias of a
 * class also names the bare class (`PNDMScheduler` shows as `PLMS`, the schedule SD ships).
 */
export const SCHEDULER_ALIASES: readonly SchedulerAlias[] = Object.freeze([
  { alias: "ddim", className: "DDIMScheduler", a1111: "DDIM", a1111Aliases: [] },
  { alias: "pndm", className: "PNDMScheduler", a1111: "PLMS", a1111Aliases: [], overrides: PLMS },
  { alias: "plms", className: "PNDMScheduler", a1111: "PLMS", a1111Aliases: [], overrides: PLMS },
  { alias: "lms", className: "LMSDiscreteScheduler", a1111: "LMS", a1111Aliases: ["k_lms"] },
  {
    alias: "euler",
    className: "EulerDiscreteScheduler",
    a1111: "Euler",
    a1111Aliases: ["k_euler"],
  },
  {
    alias: "euler_a",
    className: "EulerAncestralDiscreteScheduler",
    a1111: "Euler a",
    a1111Aliases: ["k_euler_a", "k_euler_ancestral"],
  },
  { alias: "heun", className: "HeunDiscreteScheduler", a1111: "Heun", a1111Aliases: ["k_heun"] },
  { alias: "kdpm2", className: "KDPM2DiscreteScheduler", a1111: "DPM2", a1111Aliases: ["k_dpm_2"] },
  {
    alias: "dpmpp_2m",
    className: "DPMSolverMultistepScheduler",
    a1111: "DPM++ 2M",
    a1111Aliases: ["k_dpmpp_2m"],
    overrides: { ...DPMPP_2M, use_karras_sigmas: false },
  },
  {
    alias: "dpmpp_2m_karras",
    className: "DPMSolverMultistepScheduler",
    a1111: "DPM++ 2M Karras",
    a1111Aliases: ["k_dpmpp_2m_ka"],
    overrides: { ...DPMPP_2M, use_karras_sigmas: true },
  },
  { alias: "unipc", className: "UniPCMultistepScheduler", a1111: "UniPC", a1111Aliases: [] },
  { alias: "deis", className: "DEISMultistepScheduler", a1111: "DEIS", a1111Aliases: [] },
  { alias: "lcm", className: "LCMScheduler", a1111: "LCM", a1111Aliases: ["k_lcm"] },
]);

/**
 * One entry per AUTOMATIC1111 sampler (the first alias of each display name: `pndm` and `plms`
 * are both PLMS): what `/sdapi/v1/samplers` lists and the demo page offers.
 *
 * @example
 * ```ts
 * import { samplers } from "./names.ts";
 * console.log(samplers().map((s) => s.a1111).includes("DPM2")); // true
 * ```
 */
export function samplers(): SchedulerAlias[] {
  const seen = new Set<string>();
  return SCHEDULER_ALIASES.filter((e) => !seen.has(e.a1111) && seen.add(e.a1111));
}

export const ALIASES: ReadonlyMap<string, SchedulerAlias> = new Map(
  SCHEDULER_ALIASES.map((entry) => [entry.alias, entry]),
);

/**
 * The table entry of a scheduler name: the alias itself, or for a diffusers class name its first
 * alias; `null` for an unknown name.
 *
 * @example The A1111 name of what a PNG records
 * ```ts
 * import { schedulerAlias } from "./names.ts";
 * console.log(schedulerAlias("PNDMScheduler")?.a1111); // PLMS
 * console.log(schedulerAlias("kdpm2")?.a1111); // DPM2
 * ```
 */
export function schedulerAlias(name: string): SchedulerAlias | null {
  return ALIASES.get(name) ?? SCHEDULER_ALIASES.find((e) => e.className === name) ?? null;
}

/**
 * The AUTOMATIC1111 sampler name of a scheduler name or alias (`euler_a` → `Euler a`); an unknown
 * name is returned as given.
 *
 * @example
 * ```ts
 * import { samplerName } from "./names.ts";
 * console.log(samplerName("dpmpp_2m_karras")); // DPM++ 2M Karras
 * ```
 */
export function samplerName(scheduler: string): string {
  return schedulerAlias(scheduler)?.a1111 ?? scheduler;
}

/**
 * Finds the alias of an A1111 `sampler_name` (display name or `k_…` alias, case-insensitive),
 * combined with A1111's separate `scheduler` field (`Automatic`, `Karras`); `null` when unknown.
 *
 * @example
 * ```ts
 * import { findSampler } from "./names.ts";
 * console.log(findSampler("DPM++ 2M", "Karras")?.alias); // dpmpp_2m_karras
 * ```
 */
export function findSampler(name: string, schedule?: string): SchedulerAlias | null {
  const wanted = name.trim().toLowerCase();
  const found = SCHEDULER_ALIASES.find((e) =>
    e.a1111.toLowerCase() === wanted || e.a1111Aliases.includes(wanted)
  );
  if (found === undefined) return null;
  const mode = schedule?.trim().toLowerCase();
  if (mode === undefined || mode === "" || mode === "automatic") return found;
  if (mode !== "karras") return null;
  if (found.a1111.endsWith("Karras")) return found;
  return SCHEDULER_ALIASES.find((e) => e.a1111 === `${found.a1111} Karras`) ?? null;
}

/**
 * Every name {@linkcode createScheduler} accepts: the diffusers class names, then the aliases.
 *
 * @example Offer the choices in a form
 * ```ts ignore
 * for (const name of schedulerNames()) select.add(new Option(name));
 * ```
 */
export function schedulerNames(): string[] {
  return [...CLASS_NAMES, ...ALIASES.keys()];
}
