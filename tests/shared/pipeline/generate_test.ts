import assert from "node:assert/strict";
import { generate } from "../../../shared/pipeline/mod.ts";
import { readGolden } from "../../_npy.ts";
import { openReference } from "./_reference.ts";

Deno.test("generate() takes manifest defaults and meets the e2e golden", async () => {
  const reference = await openReference(["cpu"]);
  try {
    // The reference manifest's defaults are the golden recipe: PNDM, 10 steps, 7.5, 64×64.
    const result = await generate(reference.pipeline, { prompt: "a red circle", seed: 42 });
    assert.deepEqual(result.parameters, {
      model: "tiny-sd-reference",
      prompt: "a red circle",
      negativePrompt: "",
      steps: 10,
      guidanceScale: 7.5,
      seed: "42",
      width: 64,
      height: 64,
      batchSize: 1,
      scheduler: "PNDMScheduler",
    });
    const golden = (await readGolden("e2e.image_uint8_hwc.npy")).data as Uint8Array;
    const rgba = result.images[0]!.rgba;
    let differing = 0;
    for (let p = 0; p < 64 * 64; p++) {
      for (let c = 0; c < 3; c++) {
        const diff = Math.abs(rgba[p * 4 + c]! - golden[p * 3 + c]!);
        assert.ok(diff <= 1);
        if (diff > 0) differing++;
      }
    }
    assert.ok(differing <= 0.01 * golden.length);
  } finally {
    await reference.dispose();
  }
});
