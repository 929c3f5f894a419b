import assert from "node:assert/strict";
import { decode } from "fast-png";
import { createClient, type ProgressEvent, SdClientError } from "../../../client/sdk/mod.ts";
import { readPngParameters } from "../../../shared/image/mod.ts";
import { startApi } from "../_api.ts";

Deno.test("createClient() rejects a bad base URL, an empty key and an unknown device", () => {
  assert.throws(() => createClient({ baseUrl: "ftp://x", key: "pk_1" }), TypeError);
  assert.throws(() => createClient({ baseUrl: "http://x", key: " " }), /'key' must be a non-empty/);
  assert.throws(
    // @ts-expect-error: an unknown device
    () => createClient({ baseUrl: "http://x", key: "pk_1", device: "gpu" }),
    /'device' must be one of auto, webgpu, wasm, server: current value is 'gpu'/,
  );
});

Deno.test("generate() on the server reports queue and steps, and returns the server's PNG and seed", async () => {
  const api = await startApi();
  try {
    const client = createClient({ baseUrl: api.url, key: api.secretKey, device: "server" });
    const events: ProgressEvent[] = [];
    const request = { prompt: "a red circle", steps: 3, width: 64, height: 72, scheduler: "euler" };
    const result = await client.generate(
      { ...request, seed: 1234 },
      { onProgress: (event) => events.push(event) },
    );
    assert.equal(result.device, "server");
    assert.equal(result.seed, "1234");
    assert.equal([result.width, result.height].join("x"), "64x72");
    assert.equal(result.fallbackReason, undefined);
    assert.equal(result.blob.type, "image/png");
    const png = new Uint8Array(await result.blob.arrayBuffer());
    const image = decode(png);
    assert.equal(`${image.width}x${image.height}`, "64x72");
    const parameters = readPngParameters(png) ?? "";
    assert.match(parameters, /^a red circle\n/);
    assert.match(parameters, /Seed: 1234\b/);
    assert.deepEqual(events.map((e) => e.type === "step" ? `step ${e.step}/${e.total}` : e.type), [
      "device",
      "queued",
      "step 1/3",
      "step 2/3",
      "step 3/3",
    ]);
    const jobId = api.requests.find((r) => r.startsWith("GET /v1/jobs/"))!.split("/")[3]!;
    const job = await api.queue.get(jobId);
    assert.equal(job?.request.prompt, "a red circle");
    assert.equal(job?.request.seed, "1234");

    const again = await client.generate({ ...request, seed: 1234 });
    assert.deepEqual(
      new Uint8Array(await again.blob.arrayBuffer()),
      png,
      "a seed reproduces the image",
    );
    const other = await client.generate({ ...request, seed: 1235 });
    assert.notDeepEqual(decode(new Uint8Array(await other.blob.arrayBuffer())).data, image.data);
  } finally {
    await api.close();
  }
});

Deno.test("generate() with 'auto' and no WebGPU goes straight to the server and says why", async () => {
  const api = await startApi();
  try {
    const client = createClient({ baseUrl: api.url, key: api.secretKey, gpu: null });
    const result = await client.generate({ prompt: "a cat", steps: 2 });
    assert.equal(result.device, "server");
    assert.equal(result.fallbackReason, "this browser has no WebGPU");
    assert.ok(!api.requests.some((r) => r.includes("/v1/encode") || r.includes("/files/")));
    assert.match(result.seed, /^\d+$/);
  } finally {
    await api.close();
  }
});

Deno.test("generate() falls back to polling when the event stream cannot be opened", async () => {
  const api = await startApi();
  try {
    const blocking: typeof fetch = (input, init) =>
      String(input instanceof Request ? input.url : input).endsWith("/events")
        ? Promise.reject(new TypeError("stream blocked by a proxy"))
        : fetch(input, init);
    const client = createClient({
      baseUrl: api.url,
      key: api.secretKey,
      device: "server",
      fetch: blocking,
    });
    const result = await client.generate({ prompt: "a cat", steps: 2, seed: 5 });
    assert.equal(result.seed, "5");
    assert.ok(api.requests.filter((r) => r.startsWith("GET /v1/jobs/")).length >= 1);
  } finally {
    await api.close();
  }
});

Deno.test("generate() turns API refusals into typed errors: bad key, foreign origin, failed job", async () => {
  const api = await startApi({
    modelLoader: new URL("../_corrupt_unet_loader.ts", import.meta.url),
    origins: ["http://page.test"],
  });
  try {
    const bad = createClient({ baseUrl: api.url, key: "pk_notakey", device: "server" });
    await assert.rejects(
      bad.generate({ prompt: "a cat" }),
      (e) => e instanceof SdClientError && e.code === "unauthorized" && e.status === 401,
    );
    const fromOrigin = (origin: string): typeof fetch => (input, init) => {
      const headers = new Headers(init?.headers);
      headers.set("Origin", origin);
      return fetch(input, { ...init, headers });
    };
    const foreign = createClient({
      baseUrl: api.url,
      key: api.publishableKey,
      device: "server",
      fetch: fromOrigin("http://evil.test"),
    });
    await assert.rejects(
      foreign.generate({ prompt: "a cat" }),
      (e) =>
        e instanceof SdClientError && e.code === "forbidden_origin" &&
        e.message === "Origin 'http://evil.test' is not allowed for this publishable key",
    );
    const allowed = createClient({
      baseUrl: api.url,
      key: api.publishableKey,
      device: "server",
      fetch: fromOrigin("http://page.test"),
    });
    await assert.rejects(
      allowed.generate({ prompt: "a cat", steps: 2 }),
      (e) =>
        e instanceof SdClientError && e.code === "generation_failed" &&
        /unet\/model\.onnx|protobuf|parse|load/i.test(e.message),
    );
  } finally {
    await api.close();
  }
});

Deno.test("aborting generate() rejects with the signal's reason and cancels the server job", async () => {
  const api = await startApi();
  try {
    const client = createClient({ baseUrl: api.url, key: api.secretKey, device: "server" });
    const abort = new AbortController();
    const pending = client.generate({ prompt: "a cat", steps: 150, width: 512, height: 512 }, {
      signal: abort.signal,
      onProgress: (event) => {
        if (event.type === "step") abort.abort(new DOMException("user left", "AbortError"));
      },
    });
    await assert.rejects(pending, { name: "AbortError", message: "user left" });
    let cancel: string | undefined;
    for (let i = 0; i < 100 && cancel === undefined; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      cancel = api.requests.find((r) => r.startsWith("DELETE /v1/jobs/"));
    }
    assert.ok(cancel !== undefined, "the client sent DELETE /v1/jobs/:id");
    // The request is logged when it arrives; the queue settles the cancel a moment later.
    const id = cancel.slice("DELETE /v1/jobs/".length);
    let job = await api.queue.get(id);
    for (let i = 0; i < 500 && job?.status !== "cancelled"; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      job = await api.queue.get(id);
    }
    assert.equal(job?.status, "cancelled");
  } finally {
    await api.close();
  }
});
