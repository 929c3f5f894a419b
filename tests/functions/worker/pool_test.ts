/**
 * `startRenderPool` on the in-process queue: real render Workers running the shared pipeline on
 * the embedded tiny model.
 */
import assert from "node:assert/strict";
import {
  createInProcessQueue,
  type InProcessQueue,
  QueueFullError,
  type RenderPool,
  type RenderPoolOptions,
  startRenderPool,
} from "../../../functions/worker/mod.ts";
import { countLateSteps, MAX_LATE_STEPS } from "./_late_steps.ts";
import { assertPng, tinyRequest } from "./_request.ts";

async function withPool(
  options: Partial<RenderPoolOptions> & { capacity?: number },
  fn: (queue: InProcessQueue, pool: RenderPool) => Promise<void>,
): Promise<void> {
  const queue = createInProcessQueue({ capacity: options.capacity ?? 8 });
  const pool = startRenderPool({
    queue,
    models: ["tiny-sd"],
    workers: 1,
    device: "cpu",
    ...options,
  });
  try {
    await pool.ready;
    await fn(queue, pool);
  } finally {
    await pool.close();
    await queue.close();
  }
}

Deno.test("startRenderPool() renders a job with every step in order into a valid PNG", async () => {
  await withPool({}, async (queue, pool) => {
    const request = tinyRequest({ steps: 5 });
    const job = await queue.submit(request);
    const seen: string[] = [];
    for await (const event of queue.events(job.id)) {
      seen.push(event.type === "step" ? `step ${event.step}/${event.total}` : event.type);
    }
    assert.deepEqual(seen, [
      "queued",
      "running",
      "step 1/5",
      "step 2/5",
      "step 3/5",
      "step 4/5",
      "step 5/5",
      "succeeded",
    ]);
    const done = await queue.wait(job.id);
    assert.equal(done.status, "succeeded");
    assert.deepEqual(done.progress, { step: 5, total: 5 });
    assert.equal(done.images?.length, 1);
    assertPng(done.images?.[0], request);
    assert.equal(done.device, "cpu");
    assert.ok((done.timings?.denoiseMs ?? 0) > 0);
    assert.equal(pool.stats.succeeded, 1);
  });
});

Deno.test("startRenderPool() stops a cancelled job within one step and takes the next job", async () => {
  const queue = createInProcessQueue({ capacity: 2 });
  const { source, late } = countLateSteps(queue);
  const pool = startRenderPool({
    queue: source,
    models: ["tiny-sd"],
    workers: 1,
    device: "cpu",
    cancelGraceMs: 60_000,
  });
  try {
    await pool.ready;
    const long = await queue.submit(tinyRequest({ steps: 800 }));
    const next = await queue.submit(tinyRequest({ prompt: "the next one" }));
    await queue.submit(tinyRequest({ prompt: "fills the queue" }));
    await assert.rejects(() => queue.submit(tinyRequest()), QueueFullError);
    let cancelledAt = 0;
    for await (const event of queue.events(long.id)) {
      if (event.type === "step" && event.step >= 5 && cancelledAt === 0) {
        cancelledAt = event.step;
        assert.equal(await queue.cancel(long.id), true);
      }
    }
    const cancelled = await queue.wait(long.id);
    assert.equal(cancelled.status, "cancelled");
    assert.equal(cancelled.images, undefined);
    const started = performance.now();
    const done = await queue.wait(next.id);
    assert.equal(done.status, "succeeded");
    assertPng(done.images?.[0], done.request);
    // The Worker stopped on its own (no replacement after the 60 s grace) and soon.
    assert.equal(pool.stats.replaced, 0);
    assert.ok(performance.now() - started < 10_000);
    assert.ok((late.get(long.id) ?? 0) <= MAX_LATE_STEPS, `late steps: ${late.get(long.id)}`);
  } finally {
    await pool.close();
    await queue.close();
  }
});

Deno.test("startRenderPool() fails a bad job cleanly and keeps serving", async () => {
  await withPool({}, async (queue, pool) => {
    const bad = await queue.submit(tinyRequest({ scheduler: "NoSuchScheduler" }));
    const failed = await queue.wait(bad.id);
    assert.equal(failed.status, "failed");
    assert.equal(failed.error?.code, "invalid_request");
    assert.match(failed.error?.message ?? "", /NoSuchScheduler/);
    assert.doesNotMatch(failed.error?.message ?? "", /\n\s+at /, "no stack trace");
    const good = await queue.wait((await queue.submit(tinyRequest())).id);
    assert.equal(good.status, "succeeded");
    assert.deepEqual(pool.stats, { succeeded: 1, failed: 1, crashed: 0, replaced: 0 });
  });
});

Deno.test("startRenderPool() replaces a crashed Worker and fails only its job", async () => {
  const workerUrl = new URL("./_crashing_worker.ts", import.meta.url);
  await withPool({ workerUrl }, async (queue, pool) => {
    const crash = await queue.submit(tinyRequest({ prompt: "CRASH" }));
    const after = await queue.submit(tinyRequest());
    const failed = await queue.wait(crash.id);
    assert.equal(failed.status, "failed");
    assert.equal(failed.error?.code, "worker_crashed");
    assert.match(failed.error?.message ?? "", /injected worker crash/);
    const done = await queue.wait(after.id);
    assert.equal(done.status, "succeeded");
    assertPng(done.images?.[0], done.request);
    assert.equal(pool.stats.crashed, 1);
    assert.equal(pool.stats.replaced, 1);
  });
});

Deno.test("startRenderPool() terminates a Worker that ignores a cancel past the grace period", async () => {
  const workerUrl = new URL("./_crashing_worker.ts", import.meta.url);
  await withPool({ workerUrl, cancelGraceMs: 200 }, async (queue, pool) => {
    const hung = await queue.submit(tinyRequest({ prompt: "HANG" }));
    const after = await queue.submit(tinyRequest());
    while ((await queue.get(hung.id))?.status !== "running") {
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(await queue.cancel(hung.id), true);
    assert.equal((await queue.wait(hung.id)).status, "cancelled");
    assert.equal((await queue.wait(after.id)).status, "succeeded");
    assert.equal(pool.stats.replaced, 1);
  });
});

Deno.test("startRenderPool() rejects a plain JobQueue and bad sizes", () => {
  const plain = { submit: () => Promise.reject(new Error("unused")) };
  assert.throws(
    () => startRenderPool({ queue: plain as never, models: ["tiny-sd"], workers: 1 }),
    TypeError,
  );
  assert.throws(
    () => startRenderPool({ queue: createInProcessQueue(), models: ["tiny-sd"], workers: 0 }),
    RangeError,
  );
  assert.throws(
    () =>
      startRenderPool({
        queue: createInProcessQueue(),
        models: ["tiny-sd"],
        workers: 2,
        threadsPerWorker: 0.5,
      }),
    /'threadsPerWorker' must be a positive integer: current value is 0.5/,
  );
});

Deno.test("startRenderPool() with two Workers splits the cores between them and renders in both", async () => {
  await withPool({ workers: 2, threadsPerWorker: 1 }, async (queue, pool) => {
    const requests = [tinyRequest({ steps: 3, seed: "1" }), tinyRequest({ steps: 3, seed: "2" })];
    const jobs = await Promise.all(requests.map((r) => queue.submit(r)));
    const done = await Promise.all(jobs.map((job) => queue.wait(job.id)));
    assert.deepEqual(done.map((job) => job.status), ["succeeded", "succeeded"]);
    done.forEach((job, i) => assertPng(job.images?.[0], requests[i]!));
    assert.equal(pool.stats.succeeded, 2);
  });
});
