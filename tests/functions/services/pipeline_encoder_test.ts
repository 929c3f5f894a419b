import assert from "node:assert/strict";
import { createPipelineEncoder } from "../../../functions/services/encoder/pipeline_encoder.ts";
import { createBackend } from "../../../shared/ort/mod.ts";
import { nodeRuntime } from "../../../shared/ort/node.ts";
import { readGolden } from "../../_npy.ts";
import { FIXTURE_ROOT, fixtureManifest, jsonPost, serveApp, testDeps } from "../_harness.ts";
import { createInProcessQueue } from "../../../functions/worker/mod.ts";
import { createCachedEncoder } from "../../../functions/services/encoder/cached_encoder.ts";

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

async function fixtureEncoder(loads: string[] = []) {
  const manifest = await fixtureManifest();
  return createPipelineEncoder({
    backend: () => createBackend({ devices: ["cpu"], runtimes: [nodeRuntime()] }),
    load: (id) => {
      loads.push(id);
      return Promise.resolve({
        manifest,
        readFile: (path: string) => Deno.readFile(`${FIXTURE_ROOT}/${path}`),
      });
    },
  });
}

Deno.test("pipeline encoder reproduces the reference prompt embeddings (uncond, cond) within 1e-4", async () => {
  const loads: string[] = [];
  const encoder = await fixtureEncoder(loads);
  try {
    const golden = await readGolden("e2e.prompt_embeds.npy"); // [2, 77, 32], uncond first
    const row = 77 * 32;
    const data = golden.data as Float32Array;
    const embeddings = await encoder.encode("tiny-sd", {
      prompt: "a red circle",
      negativePrompt: "",
    });
    assert.deepEqual(embeddings.shape, [1, 77, 32]);
    assert.ok(maxAbsDiff(embeddings.uncond, data.subarray(0, row)) < 1e-4);
    assert.ok(maxAbsDiff(embeddings.cond, data.subarray(row, 2 * row)) < 1e-4);
    await encoder.encode("tiny-sd", { prompt: "another", negativePrompt: "x" });
    assert.deepEqual(loads, ["tiny-sd"], "the text encoder is loaded once and reused");
  } finally {
    await encoder.dispose();
  }
});

Deno.test("POST /v1/encode serves the real text encoder's embeddings over HTTP", async () => {
  const encoder = await fixtureEncoder();
  const deps = await testDeps({
    queue: createInProcessQueue({ capacity: 16 }),
    encoder,
  });
  deps.encoder = createCachedEncoder(encoder);
  const { key } = await deps.keys.create("secret");
  const server = serveApp(deps);
  try {
    const res = await fetch(
      `${server.url}/v1/encode`,
      jsonPost({ prompt: "a red circle" }, key, {
        Accept: "application/octet-stream",
      }),
    );
    assert.equal(res.status, 200);
    const values = new Float32Array(await res.arrayBuffer());
    const golden = (await readGolden("e2e.prompt_embeds.npy")).data as Float32Array;
    assert.ok(maxAbsDiff(values, golden) < 1e-4);
  } finally {
    await server.close();
    await encoder.dispose();
  }
});
