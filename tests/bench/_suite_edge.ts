/**
 * The edge over real HTTP: `POST /v1/encode` on a loopback server built by the edge test harness
 * (the real Hono app, auth and rate limiting, the CLIP text encoder of the embedded tiny model on
 * onnxruntime-node), cached prompts (LRU hit) and fresh prompts, 1 and 8 concurrent clients:
 * p50/p99 latency and requests/s. Plus the gzip sizes of the built browser client.
 */

import { createApp } from "../../functions/app.ts";
import { createPipelineEncoder } from "../../functions/services/encoder/pipeline_encoder.ts";
import { loadModel } from "../../models/mod.ts";
import { testConfig, testDeps } from "../functions/_harness.ts";
import { createTestQueue } from "../functions/_queue.ts";
import type { SuiteContext } from "./_suite_context.ts";
import { LoadMeter, settle } from "./_suite_load.ts";
import { figure } from "./_suite_stats.ts";

interface Round {
  p50: number;
  p99: number;
  rps: number;
}

async function startEdge(ctx: SuiteContext) {
  const server = ctx.server;
  if (!server) throw new Error(`the ${ctx.device} backend did not open`);
  const encoder = createPipelineEncoder({ backend: server.backend, load: (id) => loadModel(id) });
  const config = testConfig({
    SD_RATE_SECRET_BURST: "1000000",
    SD_RATE_SECRET_PER_MIN: "6000000",
    SD_ENCODE_CACHE_SIZE: "100000",
  });
  const deps = await testDeps({
    config,
    queue: createTestQueue(() => Promise.reject(new Error("no rendering in this benchmark"))),
    encoder,
  });
  const { key } = await deps.keys.create("secret");
  const http = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen: () => {} },
    createApp(deps).fetch,
  );
  const url = `http://127.0.0.1:${(http.addr as Deno.NetAddr).port}/v1/encode`;
  const encode = async (prompt: string) => {
    const res = await fetch(url, {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
      body: JSON.stringify({ prompt }),
    });
    if (res.status !== 200) throw new Error(`POST /v1/encode: ${res.status} ${await res.text()}`);
    await res.arrayBuffer();
  };
  return {
    encode,
    async close() {
      await http.shutdown();
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

/** `/v1/encode` latency percentiles and throughput over loopback HTTP. */
export async function measureEdgeEncode(ctx: SuiteContext): Promise<void> {
  const edge = await startEdge(ctx);
  try {
    await edge.encode("a photo of a cat"); // loads the text encoder, fills the cache
    let counter = 0;
    const kinds = [
      { kind: "cached", prompt: () => "a photo of a cat", requests: ctx.quick ? 200 : 1000 },
      { kind: "uncached", prompt: () => `a photo of cat number ${counter++}`, requests: 200 },
    ];
    for (const { kind, prompt, requests } of kinds) {
      for (const concurrency of [1, 8]) {
        const rounds: Round[] = [];
        await settle();
        const meter = new LoadMeter();
        meter.start();
        for (let r = 0; r < (ctx.quick ? 2 : 3); r++) {
          rounds.push(await round(edge.encode, prompt, requests, concurrency));
        }
        const otherCores = meter.stop();
        const base = `edge.encode.${kind}.c${concurrency}`;
        const label = `POST /v1/encode ${kind}, ${concurrency} client${concurrency > 1 ? "s" : ""}`;
        const common = {
          group: "edge",
          backend: ctx.device,
          details: { requests, concurrency, otherCores },
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
