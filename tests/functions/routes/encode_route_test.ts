import assert from "node:assert/strict";
import { toFloat16Array } from "../../../shared/tensor/mod.ts";
import { expectedEmbeddings, recordingEncoder } from "../_encoder.ts";
import { jsonPost, serveApp, testDeps } from "../_harness.ts";
import { createInProcessQueue } from "../../../functions/worker/mod.ts";

function fromBase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

async function setup() {
  const encoder = recordingEncoder();
  const deps = await testDeps({
    queue: createInProcessQueue(),
    encoder,
  });
  const { key } = await deps.keys.create("secret");
  return { encoder, key, server: serveApp(deps) };
}

Deno.test("POST /v1/encode returns base64 float32 cond/uncond and caches repeated prompts", async () => {
  const { encoder, key, server } = await setup();
  try {
    const body = { prompt: "a red circle", negative_prompt: "blue" };
    const res = await fetch(`${server.url}/v1/encode`, jsonPost(body, key));
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("X-Cache"), "MISS");
    const json = await res.json();
    assert.equal(json.model, "tiny-sd");
    assert.deepEqual(json.shape, [1, 77, 32]);
    assert.equal(json.dtype, "float32");
    const expected = expectedEmbeddings("a red circle", "blue");
    assert.deepEqual(new Float32Array(fromBase64(json.cond).buffer), expected.cond);
    assert.deepEqual(new Float32Array(fromBase64(json.uncond).buffer), expected.uncond);
    const again = await fetch(`${server.url}/v1/encode`, jsonPost(body, key));
    assert.equal(again.headers.get("X-Cache"), "HIT");
    assert.equal((await again.json()).cached, true);
    assert.equal(encoder.calls, 1);
  } finally {
    await server.close();
  }
});

Deno.test("POST /v1/encode?dtype=float16 halves the payload with IEEE binary16 values", async () => {
  const { key, server } = await setup();
  try {
    const res = await fetch(
      `${server.url}/v1/encode?dtype=float16`,
      jsonPost({ prompt: "cat" }, key),
    );
    const json = await res.json();
    assert.equal(json.dtype, "float16");
    const bits = new Uint16Array(fromBase64(json.cond).buffer);
    assert.deepEqual(bits, toFloat16Array(expectedEmbeddings("cat", "").cond));
  } finally {
    await server.close();
  }
});

Deno.test("POST /v1/encode with Accept: application/octet-stream returns raw uncond+cond bytes", async () => {
  const { key, server } = await setup();
  try {
    const res = await fetch(
      `${server.url}/v1/encode`,
      jsonPost({ prompt: "dog", negative_prompt: "cat" }, key, {
        Accept: "application/octet-stream",
      }),
    );
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("Content-Type"), "application/octet-stream");
    assert.equal(res.headers.get("X-Embedding-Shape"), "2,77,32");
    assert.equal(res.headers.get("X-Embedding-Order"), "uncond,cond");
    assert.equal(res.headers.get("X-Embedding-Dtype"), "float32");
    const values = new Float32Array(await res.arrayBuffer());
    const expected = expectedEmbeddings("dog", "cat");
    assert.equal(values.length, 2 * 77 * 32);
    assert.deepEqual(values.subarray(0, 77 * 32), expected.uncond);
    assert.deepEqual(values.subarray(77 * 32), expected.cond);
  } finally {
    await server.close();
  }
});
