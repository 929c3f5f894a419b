/**
 * AUTOMATIC1111 sampler names and their scheduler aliases in the shared scheduler registry.
 *
 * @module
 */

/** An A1111 sampler. */
export interface Sampler {
  /** Display name, as A1111 clients send it in `sampler_name`. */
  name: string;
  /** Other spellings (A1111's `k_…` aliases). */
  aliases: string[];
  /** Scheduler name or alias understood by `createScheduler`. */
  scheduler: string;
}

/** Samplers this server can map; only those whose scheduler is registered are offered. */
export const SAMPLERS: readonly Sampler[] = [
  { name: "Euler a", aliases: ["k_euler_a", "k_euler_ancestral"], scheduler: "euler_a" },
  { name: "Euler", aliases: ["k_euler"], scheduler: "euler" },
  { name: "LMS", aliases: ["k_lms"], scheduler: "lms" },
  { name: "Heun", aliases: ["k_heun"], scheduler: "heun" },
  { name: "DPM2", aliases: ["k_dpm_2"], scheduler: "KDPM2DiscreteScheduler" },
  { name: "DPM++ 2M", aliases: ["k_dpmpp_2m"], scheduler: "dpmpp_2m" },
  { name: "DPM++ 2M Karras", aliases: ["k_dpmpp_2m_ka"], scheduler: "dpmpp_2m_karras" },
  { name: "DDIM", aliases: [], scheduler: "ddim" },
  { name: "PLMS", aliases: [], scheduler: "plms" },
  { name: "UniPC", aliases: [], scheduler: "unipc" },
  { name: "DEIS", aliases: [], scheduler: "DEISMultistepScheduler" },
  { name: "LCM", aliases: ["k_lcm"], scheduler: "lcm" },
];

/**
 * Finds a sampler by name or alias (case-insensitive) combined with A1111's separate
 * `scheduler` field ("Automatic", "Karras"); `null` when unknown or not offered.
 */
export function findSampler(
  name: string,
  schedule: string | undefined,
  available: readonly string[],
): Sampler | null {
  const wanted = name.trim().toLowerCase();
  let sampler = SAMPLERS.find((s) => s.name.toLowerCase() === wanted || s.aliases.includes(wanted));
  if (sampler === undefined) return null;
  const karras = schedule?.toLowerCase() === "karras";
  if (karras && !sampler.name.endsWith("Karras")) {
    sampler = SAMPLERS.find((s) => s.name === `${sampler!.name} Karras`);
    if (sampler === undefined) return null;
  } else if (schedule !== undefined && !karras && schedule.toLowerCase() !== "automatic") {
    return null;
  }
  return available.includes(sampler.scheduler) ? sampler : null;
}
