/**
 * Prompt adherence of the default model: the embedded `toy-shapes` model generates 32 fixed
 * prompts × 2 seeds (PNDM, 25 steps, guidance 7.5, 64×64) on the server backend, and the
 * toy-shapes scoring rules measure from the pixels whether background, shape colour, kind,
 * position and size are what the caption says. Figures: the rate per attribute (%) and the time
 * per image; `results.adherence` holds the reference rates, the differences and every picture's
 * score. `--quick` runs 2 prompts × 2 seeds.
 */

import { loadModel } from "../../models/mod.ts";
import { type LoadedPipeline, loadPipeline } from "../../shared/pipeline/mod.ts";
import {
  ADHERENCE_PROMPTS,
  ADHERENCE_SEEDS,
  ATTRIBUTES,
  formatRates,
  QUICK_PROMPTS,
  redoReferenceSamples,
  REFERENCE_RATES,
  runAdherence,
} from "../_adherence/mod.ts";
import type { SuiteContext } from "./_suite_context.ts";
import { settle } from "./_suite_load.ts";
import { figure } from "./_suite_stats.ts";

/** Generates and scores the fixed prompts with toy-shapes on the server backend. */
export async function measureAdherence(ctx: SuiteContext): Promise<void> {
  const server = ctx.server;
  if (server === undefined) {
    ctx.skip("adherence", `the ${ctx.device} backend did not open`);
    return;
  }
  const model = await loadModel("toy-shapes");
  const pipeline = await loadPipeline(model.manifest, {
    backend: server.backend,
    readFile: model.readFile,
  });
  try {
    const prompts = ctx.quick ? QUICK_PROMPTS : ADHERENCE_PROMPTS;
    await settle();
    const run = await runAdherence(pipeline, { prompts, seeds: ADHERENCE_SEEDS });
    const rates = run.tally.rates();
    const backend = server.name;
    const setup = `${prompts.length} prompts × ${ADHERENCE_SEEDS.length} seeds, PNDM 25 steps`;
    for (const attribute of ATTRIBUTES) {
      const { rate, correct, scored } = rates[attribute];
      if (rate === null) continue;
      ctx.add(figure({
        id: `adherence.${attribute}.${backend}`,
        label: `toy-shapes adherence: ${attribute} (${correct}/${scored}; reference ${
          (REFERENCE_RATES[attribute] * 100).toFixed(1)
        }%)`,
        group: "adherence",
        backend,
        unit: "%",
        details: { correct, scored, reference: REFERENCE_RATES[attribute], setup },
      }, [rate * 100]));
    }
    ctx.add(figure({
      id: `adherence.image.${backend}`,
      label: `toy-shapes image, ${setup}, CFG 7.5, 64×64`,
      group: "adherence",
      backend,
      unit: "ms",
      details: { totalMs: Math.round(run.totalMs) },
    }, run.pictures.map((p) => p.ms)));
    ctx.extra.adherence = {
      model: "toy-shapes",
      setup: { prompts, seeds: ADHERENCE_SEEDS, steps: 25, guidanceScale: 7.5, scheduler: "PNDM" },
      rates,
      reference: REFERENCE_RATES,
      pointsFromReference: Object.fromEntries(ATTRIBUTES.map((a) => {
        const rate = rates[a].rate;
        return [a, rate === null ? null : Math.round((rate - REFERENCE_RATES[a]) * 1000) / 10];
      })),
      totalMs: Math.round(run.totalMs),
      pictures: run.pictures.map(({ prompt, seed, score, ms }) => ({
        prompt,
        seed,
        score,
        ms: Math.round(ms),
      })),
    };
    ctx.log(`  ${formatRates(rates)} in ${(run.totalMs / 1000).toFixed(1)} s`);
    if (!ctx.quick) await measureReferenceGrid(ctx, pipeline, backend);
  } finally {
    await pipeline.dispose();
  }
}

/**
 * The reference run's `samples.png` (8 prompts × 4 pictures) redone from its own latents: the
 * pixel difference to the file and each attribute's count against the model README's table.
 */
async function measureReferenceGrid(
  ctx: SuiteContext,
  pipeline: LoadedPipeline,
  backend: string,
): Promise<void> {
  const redone = await redoReferenceSamples(pipeline);
  const sum = (pairs: [number, number][], at: 0 | 1) => pairs.reduce((n, p) => n + p[at], 0);
  const totals = (pick: "counts" | "reference") =>
    Object.fromEntries(ATTRIBUTES.map((attribute) => {
      const pairs = redone.rows.map((row) => row[pick][attribute])
        .filter((pair): pair is [number, number] => pair !== null);
      return [attribute, `${sum(pairs, 0)}/${sum(pairs, 1)}`];
    }));
  const counts = totals("counts");
  const reference = totals("reference");
  ctx.add(figure({
    id: `adherence.reference_grid.${backend}`,
    label: `toy-shapes samples.png redone from its latents: worst pixel difference (mean ${
      redone.meanLevels.toFixed(3)
    }); scores ${ATTRIBUTES.map((a) => `${a} ${counts[a]}`).join(", ")}`,
    group: "adherence",
    backend,
    unit: "levels",
    details: { counts, reference, meanLevels: redone.meanLevels, ms: Math.round(redone.ms) },
  }, [redone.worstLevels]));
  (ctx.extra.adherence as Record<string, unknown>).referenceGrid = {
    rows: redone.rows,
    counts,
    reference,
    worstLevels: redone.worstLevels,
    meanLevels: redone.meanLevels,
  };
  ctx.log(
    `  samples.png redone: worst ${redone.worstLevels} levels, scores ` +
      ATTRIBUTES.map((a) => `${a} ${counts[a]} (README ${reference[a]})`).join(", "),
  );
}
