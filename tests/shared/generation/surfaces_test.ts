/**
 * One generation through every surface: the OpenAI route, the A1111 route, the job API, the CLI
 * and the SDK (server rendering, and local rendering in a Web Worker on onnxruntime-web wasm).
 * Each must resolve the same request to the same parameters, report the requested step count in
 * every progress event, name the sampler the same way and write a byte-identical PNG
 * `parameters` chunk; the seed is 2^64 − 1, which no float64 holds.
 */
import assert from "node:assert/strict";
import { main as generateCli } from "../../../functions/cli/generate.ts";
import { createClient, type ProgressEvent } from "../../../client/sdk/mod.ts";
import type { GenerationParams } from "../../../shared/generation/mod.ts";
import { readPngParameters } from "../../../shared/image/mod.ts";
import { startApi, type TestApi, wasmClient } from "../../client/_api.ts";

const SEED = "18446744073709551615";

/** The request, as a person would write it down. PNDM runs 5 UNet calls for 4 steps. */
const REQUEST = {
  prompt: "a red circle",
  negativePrompt: "blurry",
  steps: 4,
  guidanceScale: 7.5,
  scheduler: "pndm",
  width: 64,
  height: 64,
};

/** What every surface must resolve it to (the tiny-sd model, one image). */
const RESOLVED: GenerationParams = { model: "tiny-sd", seed: SEED, batchSize: 1, ...REQUEST };

/** The A1111 text, written by hand: `pndm` is A1111's PLMS. */
const CHUNK = "a red circle\nNegative prompt: blurry\n" +
  `Steps: 4, Sampler: PLMS, CFG scale: 7.5, Seed: ${SEED}, Size: 64x64, Model: tiny-sd`;

/** The request in the OpenAI body's names (images and jobs). */
const OPENAI_BODY = {
  prompt: REQUEST.prompt,
  negative_prompt: REQUEST.negativePrompt,
  steps: REQUEST.steps,
  guidance_scale: REQUEST.guidanceScale,
  scheduler: REQUEST.scheduler,
  size: "64x64",
  seed: SEED,
};

const STEPS = ["1/4", "2/4", "3/4", "4/4"];

function chunkOf(png: Uint8Array): string | null {
  return readPngParameters(png);
}

function fromBase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

async function post(api: TestApi, path: string, body: string): Promise<Response> {
  return await fetch(`${api.url}${path}`, {
    method: "POST",
    headers: { Authorization: `Bearer ${api.secretKey}`, "Content-Type": "application/json" },
    body,
  });
}

/** The job's resolved request (without its owner) and the steps its events reported. */
async function jobRecord(api: TestApi, id: string) {
  const job = await api.queue.get(id);
  assert.ok(job !== null, `job ${id}`);
  const { owner: _, ...request } = job.request;
  const steps: string[] = [];
  for await (const event of api.queue.events(id)) {
    if (event.type === "step") steps.push(`${event.step}/${event.total}`);
  }
  return { request, steps, progress: `${job.progress.step}/${job.progress.total}` };
}

let api: TestApi;

Deno.test({
  name: "one generation surface by surface: same parameters, steps, sampler name and PNG chunk",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    api = await startApi();
    try {
      await t.step("HTTP OpenAI: POST /v1/images/generations", async () => {
        const response = await post(
          api,
          "/v1/images/generations",
          JSON.stringify({ ...OPENAI_BODY, response_format: "b64_json" }),
        );
        assert.equal(response.status, 200);
        const body = await response.json();
        assert.equal(body.seed, SEED);
        assert.equal(chunkOf(fromBase64(body.data[0].b64_json)), CHUNK);
        const record = await jobRecord(api, body.job_id);
        assert.deepEqual(record.request, RESOLVED);
        assert.deepEqual(record.steps, STEPS);
        assert.equal(record.progress, "4/4");
      });

      await t.step(
        "HTTP A1111: POST /sdapi/v1/txt2img with the seed as a JSON number",
        async () => {
          // The seed is a bare number literal, as A1111 clients send it; JSON.parse alone would
          // round it to 18446744073709552000.
          const response = await post(
            api,
            "/sdapi/v1/txt2img",
            `{"prompt":"a red circle","negative_prompt":"blurry","steps":4,"cfg_scale":7.5,` +
              `"sampler_name":"PLMS","width":64,"height":64,"seed":${SEED}}`,
          );
          assert.equal(response.status, 200);
          const text = await response.text();
          const body = JSON.parse(text);
          assert.equal(chunkOf(fromBase64(body.images[0])), CHUNK);
          assert.equal(body.parameters.sampler_name, "PLMS");
          // Seeds go back as number literals written digit for digit.
          assert.ok(text.includes(`"seed":${SEED},`), "parameters.seed is exact");
          assert.ok(body.info.includes(`"seed":${SEED},`), "info.seed is exact");
          assert.ok(body.info.includes(`"all_seeds":[${SEED}]`), "info.all_seeds is exact");
          const info = JSON.parse(body.info);
          const record = await jobRecord(api, info.job_ids[0]);
          // A1111's PLMS is the `pndm` alias: same resolved parameters.
          assert.deepEqual(record.request, RESOLVED);
          assert.deepEqual(record.steps, STEPS);
          const samplers = await (await fetch(`${api.url}/sdapi/v1/samplers`, {
            headers: { Authorization: `Bearer ${api.secretKey}` },
          })).json();
          const names = samplers.map((s: { name: string }) => s.name);
          assert.ok(names.includes("PLMS") && names.includes("DPM2") && names.includes("DEIS"));
          assert.equal(new Set(names).size, names.length, "one entry per sampler name");
        },
      );

      await t.step("jobs: POST /v1/jobs, then its Server-Sent Events and image", async () => {
        const response = await post(api, "/v1/jobs", JSON.stringify(OPENAI_BODY));
        assert.equal(response.status, 202);
        const created = await response.json();
        assert.equal(created.progress.total, 4);
        assert.equal(created.request.seed, SEED);
        const events = await fetch(`${api.url}/v1/jobs/${created.id}/events`, {
          headers: { Authorization: `Bearer ${api.secretKey}` },
        });
        const stream = await events.text();
        const steps = [...stream.matchAll(/event: step\ndata: (\{[^\n]*\})/g)]
          .map((m) => JSON.parse(m[1]!))
          .map((e: { step: number; total: number }) => `${e.step}/${e.total}`);
        assert.deepEqual(steps, STEPS);
        const done = JSON.parse(/event: done\ndata: ([^\n]*)/.exec(stream)![1]!);
        assert.equal(done.progress.step, 4);
        assert.equal(done.progress.total, 4);
        const png = new Uint8Array(await (await fetch(done.images[0])).arrayBuffer());
        assert.equal(chunkOf(png), CHUNK);
        assert.deepEqual((await jobRecord(api, created.id)).request, RESOLVED);
      });

      await t.step("CLI: deno task generate", async () => {
        let out = "";
        let err = "";
        const files = new Map<string, Uint8Array>();
        const code = await generateCli([
          REQUEST.prompt,
          "--negative",
          REQUEST.negativePrompt,
          "--seed",
          SEED,
          "--steps",
          "4",
          "--guidance",
          "7.5",
          "--scheduler",
          "pndm",
          "--size",
          "64",
          "--model",
          "tiny-sd",
          "--device",
          "cpu",
          "--out",
          "circle.png",
        ], {
          stdout: (text) => void (out += text),
          stderr: (text) => void (err += text),
          stderrIsTerminal: false,
          writeFile: (path, bytes) => Promise.resolve(void files.set(path, bytes)),
        });
        assert.equal(code, 0, err);
        assert.equal(chunkOf(files.get("circle.png")!), CHUNK);
        assert.match(out, new RegExp(`seed ${SEED}, PLMS, 4 steps`));
        const steps = [...err.matchAll(/step (\d+\/\d+)/g)].map((m) => m[1]);
        assert.deepEqual([...new Set(steps)], STEPS, err);
        assert.match(err, /4 steps/);
        assert.doesNotMatch(err, /5 steps|\/5/);
      });

      await t.step("SDK, server rendering", async () => {
        const client = createClient({ baseUrl: api.url, key: api.secretKey, device: "server" });
        const events: ProgressEvent[] = [];
        const result = await client.generate(
          { ...REQUEST, seed: 2n ** 64n - 1n },
          { onProgress: (e) => events.push(e) },
        );
        assert.equal(result.seed, SEED);
        assert.deepEqual(result.parameters, RESOLVED);
        assert.equal(chunkOf(new Uint8Array(await result.blob.arrayBuffer())), CHUNK);
        const steps = events.flatMap((e) => e.type === "step" ? [`${e.step}/${e.total}`] : []);
        assert.deepEqual(steps, STEPS);
      });

      await t.step("SDK, local rendering (Web Worker, onnxruntime-web wasm)", async () => {
        const client = wasmClient(api);
        try {
          const events: ProgressEvent[] = [];
          const result = await client.generate(
            { ...REQUEST, seed: SEED },
            { onProgress: (e) => events.push(e) },
          );
          assert.equal(result.device, "wasm", result.fallbackReason ?? "");
          assert.equal(result.seed, SEED);
          assert.deepEqual(result.parameters, RESOLVED);
          assert.equal(chunkOf(new Uint8Array(await result.blob.arrayBuffer())), CHUNK);
          const steps = events.flatMap((e) => e.type === "step" ? [`${e.step}/${e.total}`] : []);
          assert.deepEqual(steps, STEPS);
        } finally {
          client.close();
        }
      });
    } finally {
      await api.close();
    }
  },
});
