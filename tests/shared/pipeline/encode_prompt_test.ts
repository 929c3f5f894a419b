import assert from "node:assert/strict";
import { encodePrompt } from "../../../shared/pipeline/mod.ts";
import { readGolden } from "../../_npy.ts";
import { maxAbsDiff, openReference, spySession } from "./_reference.ts";

// The text encoder case's tolerance in golden/index.json.
const MAX_ABS = 1e-4;

Deno.test(
  "encodePrompt() encodes negative and positive prompts in one run, uncond first like diffusers",
  async () => {
    const reference = await openReference(["cpu"]);
    try {
      const { pipeline } = reference;
      const golden = (await readGolden("e2e.prompt_embeds.npy")).data as Float32Array;
      const row = 77 * 32;
      const dynamic = spySession(pipeline.textEncoder);
      const embeddings = await encodePrompt(
        { tokenizer: pipeline.tokenizer, textEncoder: dynamic.session },
        { prompt: "a red circle" },
      );
      assert.deepEqual(dynamic.log.batches, [2]);
      assert.deepEqual(embeddings.shape, [1, 77, 32]);
      assert.ok(maxAbsDiff(embeddings.uncond, golden.subarray(0, row)) <= MAX_ABS);
      assert.ok(maxAbsDiff(embeddings.cond, golden.subarray(row)) <= MAX_ABS);

      const fixed = spySession(pipeline.textEncoder, { fixedBatch: 1 });
      const separate = await encodePrompt(
        { tokenizer: pipeline.tokenizer, textEncoder: fixed.session },
        { prompt: "a red circle", negativePrompt: "" },
      );
      assert.deepEqual(fixed.log.batches, [1, 1]);
      assert.ok(maxAbsDiff(separate.cond, embeddings.cond) <= MAX_ABS);
      assert.ok(maxAbsDiff(separate.uncond, embeddings.uncond) <= MAX_ABS);

      const negative = await encodePrompt(pipeline, {
        prompt: "a red circle",
        negativePrompt: "blurry",
      });
      assert.ok(maxAbsDiff(negative.uncond, embeddings.uncond) > 1e-2, "negative prompt ignored");
      assert.ok(maxAbsDiff(negative.cond, embeddings.cond) <= MAX_ABS);
    } finally {
      await reference.dispose();
    }
  },
);
