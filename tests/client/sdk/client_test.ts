import assert from "node:assert/strict";
import { createClient, type ProgressEvent, SdClientError } from "../../../client/sdk/mod.ts";
import { encodePng } from "../../../shared/image/mod.ts";
import type { RenderFunction } from "../../functions/_queue.ts";
import { startApi } from "../_api.ts";

/** A stand-in render worker: a seed-dependent PNG after `steps` reported steps. */
const patternRender: RenderFunction = async (request, { signal, onStep }) => {
  for (let step = 1; step <= request.steps; step++) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    signal.throwIfAborted();
    onStep(step, request.steps);
  }
  const rgba = new Uint8Array(request.width * request.height * 4);
  const seed = Number(BigInt(request.seed) % 251n);
  for (let i = 0; i < rgba.length; i++) rgba[i] = (i * 7 + seed) % 256;
  return { images: [encodePng(rgba, { width: request.width, height: request.height })] };
};

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
  const api = await startApi({ render: patternRender });
  try {
    const client = createClient({ baseUrl: api.url, key: api.secretKey, device: "server" });
    const events: ProgressEvent[] = [];
    const result = await client.generate(
      { prompt: "a red circle", seed: 1234, steps: 3, width: 64, height: 72 },
      { onProgress: (event) => events.push(event) },
    );
    assert.equal(result.device, "server");
    assert.equal(result.seed, "1234");
    assert.equal([result.width, result.height].join("x"), "64x72");
    assert.equal(result.fallbackReason, undefined);
    assert.equal(result.blob.type, "image/png");
    const expected = (await patternRender(api.queue.submitted[0]!, {
      signal: new AbortController().signal,
      onStep() {},
    })).images[0]!;
    assert.deepEqual(new Uint8Array(await result.blob.arrayBuffer()), expected);
    assert.deepEqual(events.map((e) => e.type === "step" ? `step ${e.step}/${e.total}` : e.type), [
      "device",
      "queued",
      "step 1/3",
      "step 2/3",
      "step 3/3",
    ]);
    const submitted = api.queue.submitted[0]!;
    assert.equal(submitted.prompt, "a red circle");
    assert.equal(submitted.seed, "1234");
  } finally {
    await api.close();
  }
});

Deno.test("generate() with 'auto' and no WebGPU goes straight to the server and says why", async () => {
  const api = await startApi({ render: patternRender });
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
  const api = await startApi({ render: patternRender });
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
  const failing: RenderFunction = () => Promise.reject(new Error("the GPU caught fire"));
  const api = await startApi({ render: failing, origins: ["http://page.test"] });
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
        e.message.includes("the GPU caught fire"),
    );
  } finally {
    await api.close();
  }
});

Deno.test("aborting generate() rejects with the signal's reason and cancels the server job", async () => {
  const slow: RenderFunction = async (_request, { signal, onStep }) => {
    onStep(1, 50);
    await new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason)));
    return { images: [] };
  };
  const api = await startApi({ render: slow });
  try {
    const client = createClient({ baseUrl: api.url, key: api.secretKey, device: "server" });
    const abort = new AbortController();
    const pending = client.generate({ prompt: "a cat", steps: 50 }, {
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
    const job = await api.queue.get(cancel.slice("DELETE /v1/jobs/".length));
    assert.equal(job?.status, "cancelled");
  } finally {
    await api.close();
  }
});
