import assert from "node:assert/strict";
import { loadModel } from "../../../models/registry/mod.ts";
import { generate } from "../../../shared/pipeline/mod.ts";
import { withCpuPipeline } from "../../_cpu_pipeline.ts";

const cacheDir = await Deno.makeTempDir({ prefix: "tiny-sd-pipeline-" });
globalThis.addEventListener("unload", () => Deno.removeSync(cacheDir, { recursive: true }));

function imageStats(rgba: Uint8ClampedArray) {
  const pixels = rgba.length / 4;
  const std = [0, 1, 2].map((c) => {
    let sum = 0;
    let squares = 0;
    for (let i = c; i < rgba.length; i += 4) {
      sum += rgba[i]!;
      squares += rgba[i]! ** 2;
    }
    const mean = sum / pixels;
    return Math.sqrt(squares / pixels - mean * mean);
  });
  const colours = new Set<number>();
  let chroma = 0;
  for (let i = 0; i < rgba.length; i += 4) {
    const [r, g, b] = [rgba[i]!, rgba[i + 1]!, rgba[i + 2]!];
    colours.add((r >> 4) * 256 + (g >> 4) * 16 + (b >> 4));
    chroma += Math.max(r, g, b) - Math.min(r, g, b);
  }
  return { std, colours: colours.size, chroma: chroma / pixels };
}

Deno.test("tiny-sd through the shared pipeline draws a colourful, seed-reproducible 64×64 image", async () => {
  const model = await loadModel("tiny-sd", { cacheDir });
  await withCpuPipeline(model, async (pipeline) => {
    const run = (prompt: string) => generate(pipeline, { prompt, seed: 42, steps: 10 });
    const first = await run("a red circle");
    const image = first.images[0]!;
    assert.equal(image.width, 64);
    assert.equal(image.height, 64);
    const stats = imageStats(image.rgba);
    for (const std of stats.std) assert.ok(std > 20, `channel std ${std}`);
    assert.ok(stats.colours > 200, `${stats.colours} distinct colours`);
    assert.ok(stats.chroma > 30, `mean chroma ${stats.chroma}`);
    const again = await run("a red circle");
    assert.deepEqual(again.images[0]!.rgba, image.rgba);
    const other = await run("a photo of a cat");
    assert.notDeepEqual(other.images[0]!.rgba, image.rgba);
  });
});
