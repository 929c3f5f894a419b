/**
 * The one description of "a generation": what every surface (HTTP routes, CLI, job queue, render
 * workers, SDK) translates its wire format into and back. The seed is a decimal string here and on
 * every wire; it becomes a bigint only inside the random generator, so seeds up to 2^64 − 1 stay
 * exact through JSON.
 *
 * @module
 */

/** A resolved generation: every default filled from the model's manifest, every range checked. */
export interface GenerationParams {
  /** Model id, as the model registry and `GET /v1/models` name it. */
  model: string;
  prompt: string;
  /** `""` for none. */
  negativePrompt: string;
  /** Decimal integer in [0, 2^64 − 1]. */
  seed: string;
  /** Denoising steps the user asked for: the count every progress event and summary shows. */
  steps: number;
  /** Classifier-free guidance scale; `≤ 1` skips the unconditional pass. */
  guidanceScale: number;
  /** Scheduler alias (`euler_a`) or diffusers class name (`EulerDiscreteScheduler`). */
  scheduler: string;
  width: number;
  height: number;
  /** Images generated together from consecutive noise. */
  batchSize: number;
  /** DDIM-style η, for schedulers that take it; absent means the scheduler's default. */
  eta?: number;
}

/**
 * A generation as a caller asks for it: only `prompt` is required, the rest falls back to the
 * model's defaults. The seed may arrive as a number, bigint or decimal string; `resolveGeneration`
 * turns it into the decimal string.
 */
export type GenerationInit =
  & Pick<GenerationParams, "prompt">
  & Partial<Omit<GenerationParams, "prompt" | "seed">>
  & { seed?: string | number | bigint };
