/**
 * The shared pipeline on onnxruntime-node CPU draws what the prompt says: the default
 * `toy-shapes` model, scored from the output pixels with the model's scoring rules, and the
 * reference run's own sample grid redone from its latents. The full 32 prompts × 2 seeds run is
 * `deno task bench --only adherence`.
 */
import assert from "node:assert/strict";
import { loadModel } from "../../../models/registry/mod.ts";
import {
  ADHERENCE_PROMPTS,
  formatRates,
  QUICK_PROMPTS,
  redoReferenceSamples,
  runAdherence,
} from "../../_adherence/mod.ts";
import { withCpuPipeline } from "../../_cpu_pipeline.ts";

const cacheDir = await Deno.makeTempDir({ prefix: "toy-shapes-adherence-" });
globalThis.addEventListener("unload", () => Deno.removeSync(cacheDir, { recursive: true }));

Deno.test("toy-shapes on the CPU pipeline draws the prompt's background, colour and shape", async () => {
  const model = await loadModel("toy-shapes", { cacheDir });
  await withCpuPipeline(model, async (pipeline) => {
    // The model's best prompts: every attribute right for every seed (PNDM, 25 steps, CFG 7.5).
    const quick = await runAdherence(pipeline, { prompts: QUICK_PROMPTS, seeds: [0, 1] });
    for (const { prompt, seed, score } of quick.pictures) {
      assert.deepEqual(
        score,
        { background: true, colour: true, shape: true, position: [], size: null },
        `${prompt}, seed ${seed}`,
      );
    }
    // Every other fixed prompt once: the background (98 % in the reference run) is reliable.
    const wide = await runAdherence(pipeline, {
      prompts: ADHERENCE_PROMPTS.filter((_, i) => i % 2 === 0),
      seeds: [0],
    });
    const rates = wide.tally.rates();
    console.log(formatRates(rates));
    assert.ok(rates.background.rate! >= 0.9, formatRates(rates));
    assert.ok(rates.colour.rate! >= 0.3, formatRates(rates));
  });
});

Deno.test("toy-shapes redoes the reference run's samples.png from its latents: same pixels, same scores", async () => {
  const model = await loadModel("toy-shapes", { cacheDir });
  await withCpuPipeline(model, async (pipeline) => {
    const redone = await redoReferenceSamples(pipeline);
    console.log(
      `samples.png redone in ${(redone.ms / 1000).toFixed(1)} s: worst ${redone.worstLevels} ` +
        `levels, mean ${redone.meanLevels.toFixed(3)}`,
    );
    assert.equal(redone.rows.length, 8);
    // The model's README: a CPU float32 rerun comes within 4 levels (mean 0.04) of the GPU file.
    assert.ok(redone.worstLevels <= 6, `worst ${redone.worstLevels} levels`);
    assert.ok(redone.meanLevels <= 0.1, `mean ${redone.meanLevels} levels`);
    for (const row of redone.rows) assert.deepEqual(row.counts, row.reference, row.prompt);
  });
});
