/**
 * The edge API restarted for real: `deno serve functions/main.ts` processes on a throwaway
 * `redis-server`, with the API process killed (SIGKILL) between a job's submission and its
 * rendering. Keys (made by `deno task keys`), queued jobs, finished results and signed image
 * links all live in Redis, so the next API process serves them as if nothing happened.
 */
import assert from "node:assert/strict";
import { decode } from "fast-png";
import { readPngParameters } from "../../../shared/image/mod.ts";
import { startRedis } from "../_harness.ts";
import { type ApiProcess, createSecretKeyWithCli, startApiProcess } from "../_process.ts";
import { startWorkerProcess, type WorkerProcess } from "../worker/_worker_process.ts";

const JOB = {
  prompt: "a lighthouse at dusk",
  size: "64x64",
  steps: 4,
  seed: 4242,
  scheduler: "euler",
};

interface SseEvent {
  event: string;
  data: string;
}

/** The events of a `text/event-stream` body, one at a time. */
async function* sseEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  try {
    while (true) {
      let end: number;
      while ((end = buffer.indexOf("\n\n")) !== -1) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const lines = block.split("\n");
        const field = (name: string) =>
          lines.filter((l) => l.startsWith(`${name}:`)).map((l) => l.slice(name.length + 1).trim())
            .join("\n");
        if (lines.some((l) => l.startsWith("data:"))) {
          yield { event: field("event") || "message", data: field("data") };
        }
      }
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}

async function json(res: Response, status: number): Promise<Record<string, unknown>> {
  const body = await res.json();
  assert.equal(res.status, status, JSON.stringify(body));
  return body;
}

/** Fetches a PNG and checks it decodes to a 64×64 RGBA image made from {@linkcode JOB}. */
async function fetchPng(api: ApiProcess, url: string, headers: HeadersInit = {}) {
  const res = await api.fetch(url, { headers });
  if (res.status !== 200) assert.fail(`GET ${url}: ${res.status} ${await res.text()}`);
  assert.equal(res.headers.get("Content-Type"), "image/png");
  const png = new Uint8Array(await res.arrayBuffer());
  const image = decode(png);
  assert.deepEqual([image.width, image.height, image.channels], [64, 64, 4]);
  assert.ok(new Set(image.data as Uint8Array).size > 16, "the image is not flat");
  const parameters = readPngParameters(png) ?? "";
  assert.match(parameters, /^a lighthouse at dusk\n/);
  assert.match(parameters, /\bSteps: 4\b/);
  assert.match(parameters, /\bSeed: 4242\b/);
  return png;
}

Deno.test("with Redis, keys, queued jobs and results outlive a SIGKILLed API process", async () => {
  const redis = await startRedis();
  if (redis === null) return;
  const env = {
    SD_REDIS_URL: redis.url,
    SD_JWT_SECRET: "restart-test-secret-restart-test-secret",
    SD_MODELS: "tiny-sd",
    SD_WORKERS: "0",
    SD_LOG_REQUESTS: "0",
  };
  const running: { stop(signal: Deno.Signal): Promise<unknown> }[] = [];
  const api = async (port?: number): Promise<ApiProcess> => {
    const started = await startApiProcess(port === undefined ? { env } : { env, port });
    running.push(started);
    return started;
  };
  const worker = async (name: string): Promise<WorkerProcess> => {
    const started = startWorkerProcess(redis.url, { name, args: ["--block-ms", "200"] });
    running.push(started);
    await started.ready;
    return started;
  };
  // A hung render fails the test instead of hanging it.
  const deadline = AbortSignal.timeout(60_000);
  try {
    // The production path for keys with Redis: the CLI writes the hashed key there.
    const key = await createSecretKeyWithCli(env);
    const auth = { Authorization: `Bearer ${key}` };
    const post = { method: "POST", headers: { ...auth, "Content-Type": "application/json" } };

    // Before: API process A (no render workers of its own) and a separate render worker.
    const a = await api();
    const firstWorker = await worker("before");
    const done = await json(
      await a.fetch("/v1/jobs", { ...post, body: JSON.stringify(JOB) }),
      202,
    );
    const doneId = String(done.id);
    const live = await a.fetch(`/v1/jobs/${doneId}/events`, { headers: auth, signal: deadline });
    const names: string[] = [];
    for await (const { event } of sseEvents(live.body!)) names.push(event);
    assert.equal(names.at(-1), "done", names.join(","));
    const doneOnA = await json(await a.fetch(`/v1/jobs/${doneId}`, { headers: auth }), 200);
    assert.equal(doneOnA.status, "succeeded");
    const [signedOnA] = doneOnA.images as string[];
    const pngOnA = await fetchPng(a, signedOnA!);
    assert.equal((await firstWorker.stop("SIGTERM")).code, 0, firstWorker.output());

    // With no worker left, the next job waits in Redis.
    const queued = await a.fetch("/v1/jobs", { ...post, body: JSON.stringify(JOB) });
    const queuedId = String((await json(queued, 202)).id);
    assert.equal(queued.headers.get("Location"), `/v1/jobs/${queuedId}`);
    const queuedOnA = await json(await a.fetch(`/v1/jobs/${queuedId}`, { headers: auth }), 200);
    assert.equal(queuedOnA.status, "queued");

    // The crash: nothing is flushed, nothing is handed over.
    assert.equal((await a.stop("SIGKILL")).signal, "SIGKILL");

    // After: process B on the same port and Redis, the same key.
    const b = await api(a.port);
    const doneOnB = await json(await b.fetch(`/v1/jobs/${doneId}`, { headers: auth }), 200);
    assert.equal(doneOnB.status, "succeeded");
    assert.deepEqual(await fetchPng(b, signedOnA!), pngOnA, "A's signed link works on B");
    const byKey = await fetchPng(b, `/v1/jobs/${doneId}/images/0.png`, auth);
    assert.deepEqual(byKey, pngOnA);

    const waiting = await json(await b.fetch(`/v1/jobs/${queuedId}`, { headers: auth }), 200);
    assert.equal(waiting.status, "queued");
    assert.deepEqual(waiting.request, queuedOnA.request);

    // B streams the job's whole life once a render worker comes back.
    const stream = await b.fetch(`/v1/jobs/${queuedId}/events`, {
      headers: auth,
      signal: deadline,
    });
    assert.equal(stream.status, 200);
    assert.match(stream.headers.get("Content-Type") ?? "", /^text\/event-stream/);
    const events = sseEvents(stream.body!);
    const streamed = [(await events.next()).value?.event];
    assert.deepEqual(streamed, ["queued"]);
    await worker("after");
    let last: SseEvent | undefined;
    for await (const event of events) {
      streamed.push(event.event);
      last = event;
    }
    assert.deepEqual(streamed, ["queued", "running", "step", "step", "step", "step", "done"]);
    const final = JSON.parse(last!.data);
    assert.equal(final.status, "succeeded");
    assert.equal(final.id, queuedId);
    assert.equal(final.images.length, 1);
    // Same request, same seed: the image rendered after the restart is the one from before it.
    assert.deepEqual(await fetchPng(b, final.images[0]), pngOnA);
  } finally {
    for (const child of running.reverse()) await child.stop("SIGKILL");
    await redis.stop();
  }
});
