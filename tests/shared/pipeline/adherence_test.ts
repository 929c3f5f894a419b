/**
 * The shared pipeline on onnxruntime-node CPU draws what the prompt says: the default
 * `toy-shapes` model, scored from the output pixels with the model's scoring rules. The full
 * 32 prompts × 2 seeds run is `deno task bench --only adherence`.
 */
import assert from "node:assert/strict";
import { loadModel } from "../../../models/registry/mod.ts";
import {
  ADHERENCE_PROMPTS,
  formatRates,
  QUICK_PROMPTS,
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
