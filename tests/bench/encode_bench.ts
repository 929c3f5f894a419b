/**
 * `/v1/encode` over real HTTP on loopback, with the real CLIP text encoder of the tiny reference
 * model (onnxruntime-node, CPU): cached prompts (LRU hit) and uncached prompts (a fresh prompt
 * per request): `deno bench -A tests/bench/encode_bench.ts` gives Deno's statistics. p50/p99
 * latencies and requests/s with 1 and 8 clients, tiny and full-size, come from the suite's edge
 * section: `deno task bench --only edge`.
 */
import { createApp } from "../../functions/app.ts";
import { createCachedEncoder } from "../../functions/services/encoder/cached_encoder.ts";
import { createPipelineEncoder } from "../../functions/services/encoder/pipeline_encoder.ts";
import { createInProcessQueue } from "../../functions/worker/mod.ts";
import { createBackend } from "../../shared/ort/mod.ts";
import { nodeRuntime } from "../../shared/ort/node.ts";
import { FIXTURE_ROOT, fixtureManifest, testConfig, testDeps } from "../functions/_harness.ts";

const manifest = await fixtureManifest();
const encoder = createPipelineEncoder({
  backend: () => createBackend({ devices: ["cpu"], runtimes: [nodeRuntime()] }),
  load: () =>
    Promise.resolve({ manifest, readFile: (p: string) => Deno.readFile(`${FIXTURE_ROOT}/${p}`) }),
});
const config = testConfig({ SD_RATE_SECRET_BURST: "1000000", SD_RATE_SECRET_PER_MIN: "6000000" });
// No render pool: /v1/encode never submits a job.
const queue = createInProcessQueue();
const deps = await testDeps({ config, queue, encoder });
deps.encoder = createCachedEncoder(encoder, { maxEntries: 100_000 });
const { key } = await deps.keys.create("secret");
const server = Deno.serve(
  { port: 0, hostname: "127.0.0.1", onListen: () => {} },
  createApp(deps).fetch,
);
// The server must not keep the process alive after the last case.
server.unref();
const url = `http://127.0.0.1:${(server.addr as Deno.NetAddr).port}/v1/encode`;
let counter = 0;

async function encode(prompt: string): Promise<void> {
  const res = await fetch(url, {
    method: "POST",
    headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
    body: JSON.stringify({ prompt }),
  });
  if (res.status !== 200) throw new Error(`status ${res.status}: ${await res.text()}`);
  await res.arrayBuffer();
}

await encode("a photo of a cat"); // load the session, fill the cache

Deno.bench("POST /v1/encode, cached prompt", { group: "encode", baseline: true }, async () => {
  await encode("a photo of a cat");
});

Deno.bench("POST /v1/encode, uncached prompt", { group: "encode" }, async () => {
  await encode(`a photo of cat number ${counter++}`);
});
