import { loadModel } from "./models/registry/mod.ts";
import { withCpuPipeline } from "./tests/_cpu_pipeline.ts";
import { formatRates, runAdherence } from "./tests/_adherence/mod.ts";
const model = await loadModel("toy-shapes");
await withCpuPipeline(model, async (p) => {
  const run = await runAdherence(p, { seeds: [0, 1, 2, 3] });
  for (const pic of run.pictures) console.log(pic.seed, JSON.stringify(pic.score), pic.prompt, pic.ms.toFixed(0));
  console.log(formatRates(run.tally.rates()), (run.totalMs/1000).toFixed(1), "s");
  const t2 = new (await import("./tests/_adherence/mod.ts")).AdherenceTally();
  for (const pic of run.pictures) if (pic.seed < 2) t2.add(pic.score);
  console.log("seeds 0,1:", formatRates(t2.rates()));
});
