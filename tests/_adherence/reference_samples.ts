/**
 * The reference run's own sample grid, redone by the project: `samples.png` beside the trained
 * toy-shapes model holds 8 prompts × 4 pictures (PNDM, 25 steps, CFG 7.5) whose initial latents
 * are the rows of `torch.randn(32, 4, 16, 16, generator=torch.Generator().manual_seed(7))`, in
 * prompt-major order, and its README scores them per prompt. Generating from exactly those latents
 * compares the project with the reference run picture for picture, and score for score, with no
 * sampling noise between them. Test-only (tests and `deno task bench`).
 *
 * @module
 */

import { decode } from "fast-png";
import { createGenerator } from "../../shared/rng/mod.ts";
import { encodePrompt, type LoadedPipeline, textToImage } from "../../shared/pipeline/mod.ts";
import { toyShapesPath } from "../_fixtures.ts";
import {
  AdherenceTally,
  type Attribute,
  ATTRIBUTES,
  type PictureScore,
  scorePicture,
} from "./score.ts";

/** Seeds per prompt, and the grid's layout: 64×64 pictures at 2×, 2-pixel white gaps. */
const SEEDS = 4;
const SIDE = 64;
const SCALE = 2;
const GAP = 2;

/** One prompt's row of the README's table: `correct/scored` per attribute, `null` for "—". */
export type RowCounts = Record<Attribute, [number, number] | null>;

/** The README's per-prompt table of `samples.png`, in row order. */
export async function referenceRows(): Promise<{ prompt: string; counts: RowCounts }[]> {
  const readme = await Deno.readTextFile(toyShapesPath("README.md"));
  const start = readme.indexOf("| prompt (4 seeds each) |");
  if (start < 0) throw new Error("the toy-shapes README has no samples.png table");
  const lines = readme.slice(start).split("\n").slice(2);
  const rows = [];
  for (const line of lines) {
    if (!line.startsWith("| ") || line.startsWith("| **all**")) break;
    const cells = line.split("|").slice(1, -1).map((cell) => cell.trim());
    const counts = Object.fromEntries(ATTRIBUTES.map((attribute, i) => {
      const match = /^(\d+)\/(\d+)$/.exec(cells[i + 1]!);
      return [attribute, match ? [Number(match[1]), Number(match[2])] : null];
    })) as RowCounts;
    rows.push({ prompt: cells[0]!, counts });
  }
  return rows;
}

/** What {@linkcode redoReferenceSamples} gives back. */
export interface ReferenceComparison {
  rows: { prompt: string; counts: RowCounts; reference: RowCounts }[];
  /** Largest and mean per-channel difference from the grid's pixels, in levels. */
  worstLevels: number;
  meanLevels: number;
  ms: number;
}

/** `correct/scored` per attribute of `scores`, `null` where none was scored. */
function tally(scores: PictureScore[]): RowCounts {
  const tally = new AdherenceTally();
  for (const score of scores) tally.add(score);
  const rates = tally.rates();
  return Object.fromEntries(ATTRIBUTES.map((attribute) => {
    const { correct, scored } = rates[attribute];
    return [attribute, scored === 0 ? null : [correct, scored]];
  })) as RowCounts;
}

/** Generates the grid's 32 pictures from its latents on `pipeline` and compares them. */
export async function redoReferenceSamples(
  pipeline: LoadedPipeline,
): Promise<ReferenceComparison> {
  const { manifest } = pipeline;
  const grid = decode(await Deno.readFile(toyShapesPath("samples.png")));
  const reference = await referenceRows();
  const latentSize = 4 * (SIDE / manifest.vaeScaleFactor) ** 2;
  const noise = createGenerator(7n).randn([reference.length * SEEDS, latentSize]);
  const started = performance.now();
  const rows = [];
  let worst = 0;
  let sum = 0;
  for (const [row, { prompt, counts }] of reference.entries()) {
    const embeddings = await encodePrompt(pipeline, {
      prompt,
      negativePrompt: "",
      maxLength: manifest.tokenizer.maxLength,
      unconditional: true,
    });
    const result = await textToImage({
      embeddings,
      schedulerConfig: manifest.schedulerConfig,
      scheduler: "PNDMScheduler",
      steps: 25,
      guidanceScale: 7.5,
      width: SIDE,
      height: SIDE,
      batchSize: SEEDS,
      latents: noise.slice(row * SEEDS * latentSize, (row + 1) * SEEDS * latentSize),
    }, {
      unet: pipeline.unet,
      vaeDecoder: pipeline.vaeDecoder,
      scalingFactor: manifest.scalingFactor,
      vaeScaleFactor: manifest.vaeScaleFactor,
    });
    for (const [column, image] of result.images.entries()) {
      const top = GAP + row * (SIDE * SCALE + GAP);
      const left = GAP + column * (SIDE * SCALE + GAP);
      for (let y = 0; y < SIDE; y++) {
        for (let x = 0; x < SIDE; x++) {
          const at = ((top + SCALE * y) * grid.width + left + SCALE * x) * grid.channels;
          for (let c = 0; c < 3; c++) {
            const difference = Math.abs(grid.data[at + c]! - image.rgba[(y * SIDE + x) * 4 + c]!);
            worst = Math.max(worst, difference);
            sum += difference;
          }
        }
      }
    }
    rows.push({
      prompt,
      counts: tally(result.images.map((image) => scorePicture(prompt, image))),
      reference: counts,
    });
  }
  return {
    rows,
    worstLevels: worst,
    meanLevels: sum / (reference.length * SEEDS * SIDE * SIDE * 3),
    ms: performance.now() - started,
  };
}
