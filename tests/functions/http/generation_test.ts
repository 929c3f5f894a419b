import assert from "node:assert/strict";
import { decode } from "fast-png";
import OpenAI from "openai";
import { readPngParameters } from "../../../shared/image/mod.ts";
import { recordingEncoder } from "../_encoder.ts";
import { jsonPost, serveApp, testConfig, testDeps } from "../_harness.ts";
import { createInProcessQueue, startRenderPool } from "../../../functions/worker/mod.ts";

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function checkPng(bytes: Uint8Array, width: number, height: number) {
  assert.deepEqual([...bytes.subarray(0, 8)], PNG_SIGNATURE);
  const image = decode(bytes);
  assert.equal(image.width, width);
  assert.equal(image.height, height);
  const data = image.data as Uint8Array;
  assert.ok(new Set(data).size > 16, "the image is not flat");
  return image;
}

const fromBase64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

async function setup(env: Record<string, string> = {}) {
  // The real in-process queue and a real render Worker on the embedded tiny model.
  const queue = createInProcessQueue({ capacity: 16 });
  const pool = startRenderPool({ queue, models: ["tiny-sd"], workers: 1 });
  await pool.ready;
  const deps = await testDeps({ config: testConfig(env), queue, encoder: recordingEncoder() });
  const { key } = await deps.keys.create("secret");
  const server = serveApp(deps);
  return {
    key,
    queue,
    pool,
    server,
    async close() {
      await server.close();
      await pool.close();
      await queue.close();
    },
  };
}

Deno.test("the official openai client generates PNGs through /v1/images/generations", async () => {
  const { key, server, close } = await setup();
  try {
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: key, maxRetries: 0 });
    const b64 = await client.images.generate({
      prompt: "a red circle",
      size: "64x64" as "256x256",
      response_format: "b64_json",
      // extensions of this API:
      ...{ steps: 4, seed: 42, scheduler: "euler" },
    });
    assert.equal(b64.data?.length, 1);
    const png = fromBase64(b64.data![0]!.b64_json!);
    checkPng(png, 64, 64);
    assert.ok(new TextDecoder("latin1").decode(png).includes("a red circle"), "parameters chunk");

    const again = await client.images.generate({
      prompt: "a red circle",
      size: "64x64" as "256x256",
      response_format: "b64_json",
      ...{ steps: 4, seed: 42, scheduler: "euler" },
    });
    assert.equal(again.data![0]!.b64_json, b64.data![0]!.b64_json, "a seed reproduces the image");

    const byUrl = await client.images.generate({
      prompt: "a blue square",
      n: 2,
      size: "64x64" as "256x256",
      ...{ steps: 3 },
    });
    assert.equal(byUrl.data?.length, 2);
    for (const item of byUrl.data!) {
      const res = await fetch(item.url!);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("Content-Type"), "image/png");
      checkPng(new Uint8Array(await res.arrayBuffer()), 64, 64);
    }
    const unsigned = await fetch(byUrl.data![0]!.url!.replace(/\?sig=.*/, ""));
    assert.equal(unsigned.status, 401);
    await unsigned.body?.cancel();
    const otherJob = byUrl.data![0]!.url!.replace(/jobs\/[^/]+\//, "jobs/other-job/");
    const forged = await fetch(otherJob);
    assert.equal(forged.status, 401);
    await forged.body?.cancel();
    await assert.rejects(
      () => client.images.generate({ prompt: "x", model: "dall-e-3" }),
      (error: unknown) => error instanceof OpenAI.NotFoundError,
    );
  } finally {
    await close();
  }
});

Deno.test("a plain AUTOMATIC1111 JSON POST gets images[0], parameters and info", async () => {
  const { key, server, close } = await setup();
  try {
    const res = await fetch(
      `${server.url}/sdapi/v1/txt2img`,
      jsonPost({
        prompt: "a red circle",
        negative_prompt: "blurry",
        steps: 3,
        cfg_scale: 6.5,
        seed: -1,
        sampler_name: "DPM++ 2M Karras",
        width: 64,
        height: 64,
        batch_size: 1,
        n_iter: 2,
      }, key),
    );
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.equal(body.images.length, 2);
    checkPng(fromBase64(body.images[0]), 64, 64);
    assert.equal(body.parameters.sampler_name, "DPM++ 2M Karras");
    const info = JSON.parse(body.info);
    assert.ok(Number.isInteger(info.seed) && info.seed >= 0, "seed -1 is resolved");
    assert.deepEqual(info.all_seeds, [info.seed, info.seed + 1]);
    assert.equal(info.cfg_scale, 6.5);
    // The worker ran the mapped scheduler: its PNG says so in the A1111 parameters chunk.
    const parameters = readPngParameters(fromBase64(body.images[1])) ?? "";
    assert.match(parameters, /Sampler: DPM\+\+ 2M Karras/);
    assert.match(parameters, new RegExp(`Seed: ${info.seed + 1}`));
    const samplers = await (await fetch(`${server.url}/sdapi/v1/samplers`, {
      headers: { Authorization: `Bearer ${key}` },
    })).json();
    assert.ok(samplers.some((s: { name: string }) => s.name === "Euler a"));
  } finally {
    await close();
  }
});

Deno.test("A1111 tools list the models with /sdapi/v1/sd-models and pick one by its title", async () => {
  const { key, server, close } = await setup();
  try {
    const auth = { headers: { Authorization: `Bearer ${key}` } };
    const models = await (await fetch(`${server.url}/sdapi/v1/sd-models`, auth)).json();
    assert.equal(models.length, 1);
    const [model] = models;
    assert.equal(model.model_name, "tiny-sd");
    assert.match(model.sha256, /^[0-9a-f]{64}$/);
    assert.equal(model.title, `tiny-sd [${model.sha256.slice(0, 10)}]`);
    const res = await fetch(
      `${server.url}/sdapi/v1/txt2img`,
      jsonPost({
        prompt: "a red circle",
        steps: 2,
        width: 64,
        height: 64,
        override_settings: { sd_model_checkpoint: model.title },
      }, key),
    );
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.match(readPngParameters(fromBase64(body.images[0])) ?? "", /Model: tiny-sd\b/);
    const unknown = await fetch(
      `${server.url}/sdapi/v1/txt2img`,
      jsonPost(
        { prompt: "a", override_settings: { sd_model_checkpoint: "sdxl [0123456789]" } },
        key,
      ),
    );
    assert.equal(unknown.status, 404);
    assert.equal((await unknown.json()).error.message, "The model 'sdxl' is not served here");
    const malformed = await fetch(
      `${server.url}/sdapi/v1/txt2img`,
      jsonPost({ prompt: "a", override_settings: "tiny-sd" }, key),
    );
    assert.equal(malformed.status, 400);
    assert.equal((await malformed.json()).error.param, "override_settings");
    const anonymous = await fetch(`${server.url}/sdapi/v1/sd-models`);
    assert.equal(anonymous.status, 401);
    await anonymous.body?.cancel();
  } finally {
    await close();
  }
});

interface SseEvent {
  event: string;
  data: Record<string, unknown>;
}

async function* readSse(res: Response): AsyncGenerator<SseEvent> {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  while (true) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end;
    while ((end = buffer.indexOf("\n\n")) !== -1) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1] ?? "message";
      const data = block.split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6))
        .join("\n");
      yield { event, data: JSON.parse(data) };
    }
  }
}

Deno.test("the SSE stream of a job shows every step, then done with the image URLs", async () => {
  const { key, server, close } = await setup();
  try {
    const created = await fetch(
      `${server.url}/v1/jobs`,
      jsonPost({ prompt: "a cat", size: "64x64", steps: 6, scheduler: "ddim" }, key),
    );
    assert.equal(created.status, 202);
    const job = await created.json();
    assert.equal(created.headers.get("Location"), `/v1/jobs/${job.id}`);
    const stream = await fetch(`${server.url}/v1/jobs/${job.id}/events`, {
      headers: { Authorization: `Bearer ${key}` },
    });
    assert.match(stream.headers.get("Content-Type") ?? "", /text\/event-stream/);
    const events: SseEvent[] = [];
    for await (const event of readSse(stream)) events.push(event);
    const steps = events.filter((e) => e.event === "step").map((e) => e.data.step);
    assert.deepEqual(steps, [1, 2, 3, 4, 5, 6]);
    assert.ok(events.every((e) => e.event !== "step" || e.data.total === 6));
    const last = events.at(-1)!;
    assert.equal(last.event, "done");
    assert.equal((last.data.images as string[]).length, 1);
    const status = await (await fetch(`${server.url}/v1/jobs/${job.id}`, {
      headers: { Authorization: `Bearer ${key}` },
    })).json();
    assert.equal(status.status, "succeeded");
    assert.deepEqual(status.progress, { step: 6, total: 6 });
  } finally {
    await close();
  }
});

Deno.test("DELETE /v1/jobs/:id cancels a running job: the stream ends with cancelled", async () => {
  const { key, server, close } = await setup({ SD_MAX_STEPS: "1000" });
  const auth = { Authorization: `Bearer ${key}` };
  try {
    const job = await (await fetch(
      `${server.url}/v1/jobs`,
      jsonPost({ prompt: "slow", size: "64x64", steps: 500, scheduler: "ddim" }, key),
    )).json();
    const stream = await fetch(`${server.url}/v1/jobs/${job.id}/events`, { headers: auth });
    const events: SseEvent[] = [];
    for await (const event of readSse(stream)) {
      events.push(event);
      if (event.event === "step" && event.data.step === 2) {
        const cancel = await fetch(`${server.url}/v1/jobs/${job.id}`, {
          method: "DELETE",
          headers: auth,
        });
        assert.equal(cancel.status, 200);
        assert.equal((await cancel.json()).status, "cancelled");
      }
    }
    assert.equal(events.at(-1)!.event, "cancelled", JSON.stringify(events.at(-1)));
    const steps = events.filter((e) => e.event === "step").length;
    assert.ok(steps >= 2 && steps < 500, `stopped after ${steps} steps`);
    await new Promise((r) => setTimeout(r, 100));
    const after = await (await fetch(`${server.url}/v1/jobs/${job.id}`, { headers: auth })).json();
    assert.equal(after.status, "cancelled");
    assert.ok(after.progress.step < 500);
    const again = await fetch(`${server.url}/v1/jobs/${job.id}`, {
      method: "DELETE",
      headers: auth,
    });
    assert.equal(again.status, 409);
    await again.body?.cancel();
  } finally {
    await close();
  }
});

Deno.test("a client that goes away during a synchronous generation cancels its job", async () => {
  const { key, server, queue, pool, close } = await setup();
  try {
    const abort = new AbortController();
    const pending = fetch(
      `${server.url}/v1/images/generations`,
      {
        ...jsonPost({ prompt: "a long one", size: "512x512", steps: 150, scheduler: "euler" }, key),
        signal: abort.signal,
      },
    ).catch((error) => error);
    while (queue.size().running === 0) await new Promise((r) => setTimeout(r, 10));
    abort.abort();
    assert.equal((await pending).name, "AbortError");
    const started = Date.now();
    while (queue.size().running > 0) await new Promise((r) => setTimeout(r, 10));
    const stoppedMs = Date.now() - started;
    assert.equal(pool.stats.succeeded, 0, "the render did not run to the end");
    assert.ok(stoppedMs < 5_000, `the job stopped ${stoppedMs} ms after the client left`);
  } finally {
    await close();
  }
});
