/**
 * An adherence run: generates every prompt × seed with a loaded pipeline and scores each picture
 * with the toy-shapes rules. Shared by the pipeline test and `deno task bench`. Test-only.
 *
 * @module
 */

import { generate, type LoadedPipeline } from "../../shared/pipeline/mod.ts";
import { ADHERENCE_PROMPTS, ADHERENCE_SEEDS } from "./prompts.ts";
import { AdherenceTally, type PictureScore, scorePicture } from "./score.ts";

/** Options of {@linkcode runAdherence}; the defaults are the full run. */
export interface AdherenceRunOptions {
  /** @default {ADHERENCE_PROMPTS} */
  prompts?: readonly string[];
  /** @default {ADHERENCE_SEEDS} */
  seeds?: readonly number[];
  /** @default {25} */
  steps?: number;
  /** @default {7.5} */
  guidanceScale?: number;
  /** @default {"PNDMScheduler"} */
  scheduler?: string;
}

/** One scored picture. */
export interface ScoredPicture {
  prompt: string;
  seed: number;
  score: PictureScore;
  rgba: Uint8ClampedArray;
  ms: number;
}

/** What {@linkcode runAdherence} gives back. */
export interface AdherenceRun {
  tally: AdherenceTally;
  pictures: ScoredPicture[];
  totalMs: number;
}

/**
 * Generates and scores `prompts × seeds` (prompt-major) at 64×64.
 *
 * @example
 * ```ts ignore
 * const { tally } = await runAdherence(pipeline, { prompts: QUICK_PROMPTS, seeds: [0] });
 * ```
 */
export async function runAdherence(
  pipeline: LoadedPipeline,
  options: AdherenceRunOptions = {},
): Promise<AdherenceRun> {
  const tally = new AdherenceTally();
  const pictures: ScoredPicture[] = [];
  const started = performance.now();
  for (const prompt of options.prompts ?? ADHERENCE_PROMPTS) {
    for (const seed of options.seeds ?? ADHERENCE_SEEDS) {
      const start = performance.now();
      const result = await generate(pipeline, {
        prompt,
        seed,
        steps: options.steps ?? 25,
        guidanceScale: options.guidanceScale ?? 7.5,
        scheduler: options.scheduler ?? "PNDMScheduler",
        width: 64,
        height: 64,
      });
      const ms = performance.now() - start;
      const image = result.images[0]!;
      const score = scorePicture(prompt, image);
      tally.add(score);
      pictures.push({ prompt, seed, score, rgba: image.rgba, ms });
    }
  }
  return { tally, pictures, totalMs: performance.now() - started };
}
