/**
 * Memory soak: resident memory over 100 tiny-model generations on one loaded pipeline, then over
 * 20 load → generate → dispose cycles. Prints RSS checkpoints; a leak shows as steady growth.
 *
 * Run: `deno run -A tests/bench/memory_soak.ts`
 */
import { loadModel } from "../../models/mod.ts";
import { createBackend } from "../../shared/ort/mod.ts";
import { nodeRuntime } from "../../shared/ort/node.ts";
import { generate, loadPipeline } from "../../shared/pipeline/mod.ts";

const mib = () => (Deno.memoryUsage().rss / 2 ** 20).toFixed(1);
const model = await loadModel("tiny-sd");
const backend = await createBackend({ devices: ["cpu"], runtimes: [nodeRuntime()] });
const open = () => loadPipeline(model.manifest, { backend, readFile: model.readFile });

let pipeline = await open();
console.log(`loaded: ${mib()} MiB`);
for (let i = 1; i <= 100; i++) {
  await generate(pipeline, { prompt: `soak ${i}`, steps: 10, seed: i });
  if (i === 1 || i % 25 === 0) console.log(`generation ${i}: ${mib()} MiB`);
}
await pipeline.dispose();
console.log(`disposed: ${mib()} MiB`);
for (let cycle = 1; cycle <= 20; cycle++) {
  pipeline = await open();
  await generate(pipeline, { prompt: "cycle", steps: 10, seed: cycle });
  await pipeline.dispose();
  if (cycle === 1 || cycle % 5 === 0) {
    console.log(`load/generate/dispose cycle ${cycle}: ${mib()} MiB`);
  }
}
await backend.dispose();
console.log(`backend disposed: ${mib()} MiB`);
