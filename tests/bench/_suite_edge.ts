/**
 * The edge over real HTTP: `POST /v1/encode` on a loopback server (the real Hono app, auth and
 * rate limiting, the in-process job queue, the registry's models behind the production encoder on
 * onnxruntime-node), cached prompts (LRU hit) and fresh prompts (cond + uncond encoded per
 * request), 1 and 8 concurrent clients: p50/p99 latency and requests/s. The embedded tiny model
 * always; in the full run also the full-size SD 1.5 CLIP-L text encoder with random weights
 * (123M parameters). Plus the gzip sizes of the built browser client.
 */

import { createApp } from "../../functions/app.ts";
import { createPipelineEncoder } from "../../functions/services/encoder/pipeline_encoder.ts";
import { createLocalCatalog } from "../../functions/services/models/local_catalog.ts";
import { createInProcessQueue } from "../../functions/worker/mod.ts";
import { loadModel } from "../../models/mod.ts";
import { testConfig, testDeps } from "../functions/_harness.ts";
import type { SuiteContext } from "./_suite_context.ts";
import { LoadMeter, settle } from "./_suite_load.ts";
import type { ModelSize } from "./_suite_models.ts";
import { ensureFullSizeModel } from "./_suite_sd15_model.ts";
import { figure } from "./_suite_stats.ts";

interface Round {
  p50: number;
  p99: number;
  rps: number;
}

/** A served model and how many requests each of its rounds makes. */
interface EdgeModel {
  /** Registry id the requests name. */
  id: string;
  size: ModelSize;
  /** What the table calls it. */
  name: string;
  cachedRequests: number;
  uncachedRequests: number;
  rounds: number;
}

type Encode = (model: string, prompt: string) => Promise<void>;

async function startEdge(ctx: SuiteContext, ids: readonly string[]) {
  const server = ctx.server;
  if (!server) throw new Error(`the ${ctx.device} backend did not open`);
  // As in production: one registry loader behind both the catalog and the encoder. The embedded
  // tiny model lives in the registry's default cache, the full-size one in the bench cache.
  const load = (id: string) => loadModel(id, id === "tiny-sd" ? {} : { cacheDir: ctx.cacheDir });
  const encoder = createPipelineEncoder({ backend: server.backend, load });
  const queue = createInProcessQueue(); // no render pool: /v1/encode never submits a job
  const config = testConfig({
    SD_MODELS: ids.join(","),
    SD_RATE_SECRET_BURST: "1000000",
    SD_RATE_SECRET_PER_MIN: "6000000",
    SD_ENCODE_CACHE_SIZE: "100000",
  });
  const deps = await testDeps({
    config,
    queue,
    encoder,
    catalog: createLocalCatalog(ids, { load }),
  });
  const { key } = await deps.keys.create("secret");
  const http = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen: () => {} },
    createApp(deps).fetch,
  );
  const url = `http://127.0.0.1:${(http.addr as Deno.NetAddr).port}/v1/encode`;
  const encode: Encode = async (model, prompt) => {
    const res = await fetch(url, {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
      body: JSON.stringify({ model, prompt }),
    });
    if (res.status !== 200) throw new Error(`POST /v1/encode: ${res.status} ${await res.text()}`);
    await res.arrayBuffer();
  };
  return {
    encode,
    async close() {
      await http.shutdown();
      await queue.close();
      // The backend belongs to the suite; only the encoder's own sessions are released.
      await encoder.dispose();
    },
  };
}

async function round(
  encode: (prompt: string) => Promise<void>,
  prompt: () => string,
  requests: number,
  concurrency: number,
): Promise<Round> {
  const latencies: number[] = [];
  let next = 0;
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next++ < requests) {
      const t = performance.now();
      await encode(prompt());
      latencies.push(performance.now() - t);
    }
  }));
  const seconds = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
  return { p50: at(0.5), p99: at(0.99), rps: requests / seconds };
}

let promptCounter = 0;

/** Cached and uncached rounds of one model, 1 and 8 clients. */
async function measureModel(ctx: SuiteContext, encode: Encode, model: EdgeModel): Promise<void> {
  const send = (prompt: string) => encode(model.id, prompt);
  const fresh = () => `a photo of cat number ${promptCounter++}`;
  await send("a photo of a cat"); // loads the text encoder, fills the cache
  for (let i = 0; i < 2; i++) await send(fresh()); // first runs of the session allocate
  const kinds = [
    { kind: "cached", prompt: () => "a photo of a cat", requests: model.cachedRequests },
    { kind: "uncached", prompt: fresh, requests: model.uncachedRequests },
  ];
  for (const { kind, prompt, requests } of kinds) {
    for (const concurrency of [1, 8]) {
      const rounds: Round[] = [];
      await settle();
      const meter = new LoadMeter();
      meter.start();
      for (let r = 0; r < model.rounds; r++) {
        rounds.push(await round(send, prompt, requests, concurrency));
      }
      const otherCores = meter.stop();
      const base = `edge.encode.${model.size}.${kind}.c${concurrency}`;
      const clients = `${concurrency} client${concurrency > 1 ? "s" : ""}`;
      const label = `POST /v1/encode ${model.name}, ${kind}, ${clients}`;
      const common = {
        group: "edge",
        backend: ctx.device,
        details: { model: model.id, size: model.size, requests, concurrency, otherCores },
      };
      ctx.add(figure(
        { ...common, id: `${base}.p50`, label: `${label}: p50`, unit: "ms" },
        rounds.map((x) => x.p50),
      ));
      ctx.add(figure(
        { ...common, id: `${base}.p99`, label: `${label}: p99`, unit: "ms" },
        rounds.map((x) => x.p99),
      ));
      ctx.add(figure(
        { ...common, id: `${base}.rps`, label: `${label}: throughput`, unit: "req/s" },
        rounds.map((x) => x.rps),
      ));
    }
  }
}

/**
 * `/v1/encode` latency percentiles and throughput over loopback HTTP: the tiny model, and in the
 * full run the full-size SD 1.5 text encoder (built into the bench cache on first use).
 */
export async function measureEdgeEncode(ctx: SuiteContext): Promise<void> {
  const models: EdgeModel[] = [{
    id: "tiny-sd",
    size: "tiny",
    name: "tiny",
    cachedRequests: ctx.quick ? 200 : 1000,
    uncachedRequests: 200,
    rounds: ctx.quick ? 2 : 3,
  }];
  if (ctx.quick) {
    ctx.skip("edge.encode.sd15", "--quick serves only the tiny model");
  } else {
    models.push({
      id: await ensureFullSizeModel({ cacheDir: ctx.cacheDir, log: (l) => ctx.log(l) }),
      size: "sd15",
      name: "SD 1.5 CLIP-L",
      cachedRequests: 200,
      // ~175 ms per request (cond + uncond): 3 rounds of 40 take about 20 s per client count.
      uncachedRequests: 40,
      rounds: 3,
    });
  }
  const edge = await startEdge(ctx, models.map((m) => m.id));
  try {
    for (const model of models) await measureModel(ctx, edge.encode, model);
  } finally {
    await edge.close();
  }
}

async function gzipBytes(bytes: Uint8Array<ArrayBuffer>): Promise<number> {
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream("gzip"));
  return (await new Response(stream).arrayBuffer()).byteLength;
}

/** Raw and gzip sizes of the built client (`client/dist/`), when it has been built. */
export async function measureBundles(ctx: SuiteContext): Promise<void> {
  const dist = new URL("../../client/dist/", import.meta.url).pathname;
  const wanted = ["embed.js", "sdk.js"];
  for (const name of wanted) {
    let bytes: Uint8Array<ArrayBuffer>;
    try {
      bytes = await Deno.readFile(`${dist}${name}`);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
      ctx.skip(`bundle.${name}`, `client/dist/${name} is not built (run \`deno task build\`)`);
      continue;
    }
    ctx.add(figure({
      id: `bundle.${name}`,
      label: `client/dist/${name} gzip size`,
      group: "bundle",
      backend: "none",
      unit: "bytes",
      details: { rawBytes: bytes.byteLength },
    }, [await gzipBytes(bytes)]));
  }
}
