/**
 * The in-process queue on its own: a test plays the worker side (claim, progress, settle).
 */
import assert from "node:assert/strict";
import {
  createInProcessQueue,
  type JobEvent,
  QueueFullError,
} from "../../../functions/worker/mod.ts";
import { tinyRequest } from "./_request.ts";

const png = new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]);

async function collect(events: AsyncIterable<JobEvent>): Promise<string[]> {
  const seen: string[] = [];
  for await (const event of events) {
    seen.push(event.type === "step" ? `step ${event.step}/${event.total}` : event.type);
  }
  return seen;
}

Deno.test("createInProcessQueue() streams queued, running, each step and succeeded in order", async () => {
  const queue = createInProcessQueue();
  const job = await queue.submit(tinyRequest({ steps: 3 }));
  assert.equal(job.status, "queued");
  assert.deepEqual(job.progress, { step: 0, total: 3 });
  const seen = collect(queue.events(job.id));
  const claimed = await queue.claim({ signal: new AbortController().signal });
  assert.ok(claimed !== null);
  assert.equal(claimed.job.id, job.id);
  assert.equal(claimed.job.status, "running");
  for (let step = 1; step <= 3; step++) await claimed.progress(step, 3);
  assert.equal(await claimed.succeed({ images: [png], device: "cpu" }), true);
  assert.deepEqual(await seen, [
    "queued",
    "running",
    "step 1/3",
    "step 2/3",
    "step 3/3",
    "succeeded",
  ]);
  const done = await queue.wait(job.id);
  assert.equal(done.status, "succeeded");
  assert.deepEqual(done.images, [png]);
  assert.equal(done.device, "cpu");
  // A late watcher replays the whole history.
  assert.equal((await collect(queue.events(job.id))).length, 6);
  await queue.close();
});

Deno.test("createInProcessQueue() refuses work beyond capacity with QueueFullError", async () => {
  const queue = createInProcessQueue({ capacity: 2 });
  await queue.submit(tinyRequest());
  await queue.submit(tinyRequest());
  await assert.rejects(() => queue.submit(tinyRequest()), (error: unknown) => {
    assert.ok(error instanceof QueueFullError);
    assert.ok(error.retryAfterSeconds >= 1);
    assert.equal(error.name, "QueueFullError");
    return true;
  });
  // A claimed job no longer waits: there is room again.
  const claimed = await queue.claim({ signal: new AbortController().signal });
  assert.ok(claimed !== null);
  await queue.submit(tinyRequest());
  assert.deepEqual(queue.size(), { queued: 2, running: 1 });
  await queue.close();
});

Deno.test("createInProcessQueue() cancel() aborts a running claim and its settle is ignored", async () => {
  const queue = createInProcessQueue();
  const job = await queue.submit(tinyRequest());
  const claimed = (await queue.claim({ signal: new AbortController().signal }))!;
  await claimed.progress(1, 4);
  assert.equal(await queue.cancel(job.id), true);
  assert.equal(claimed.signal.aborted, true);
  assert.equal(claimed.signal.reason.name, "JobCancelledError");
  assert.equal(await claimed.succeed({ images: [png] }), false);
  const done = await queue.wait(job.id);
  assert.equal(done.status, "cancelled");
  assert.equal(done.images, undefined);
  assert.equal(await queue.cancel(job.id), false, "already finished");
  assert.equal(await queue.cancel("no-such-job"), false, "unknown");
  await queue.close();
});

Deno.test("createInProcessQueue() cancel() of a queued job keeps it from being claimed", async () => {
  const queue = createInProcessQueue();
  const first = await queue.submit(tinyRequest({ prompt: "first" }));
  const second = await queue.submit(tinyRequest({ prompt: "second" }));
  assert.equal(await queue.cancel(first.id), true);
  const claimed = await queue.claim({ signal: new AbortController().signal });
  assert.equal(claimed?.job.id, second.id);
  assert.deepEqual(await collect(queue.events(first.id)), ["queued", "cancelled"]);
  await queue.close();
});

Deno.test("createInProcessQueue() claim() waits for a matching model and release() requeues", async () => {
  const queue = createInProcessQueue();
  const controller = new AbortController();
  const waiting = queue.claim({ signal: controller.signal, models: ["other-model"] });
  const job = await queue.submit(tinyRequest());
  const claimed = (await queue.claim({ signal: controller.signal, models: ["tiny-sd"] }))!;
  assert.equal(claimed.job.id, job.id);
  await claimed.release();
  assert.equal((await queue.get(job.id))?.status, "queued");
  const again = (await queue.claim({ signal: controller.signal }))!;
  assert.equal(again.job.id, job.id);
  assert.equal(await again.fail({ message: "boom", code: "render_failed" }), true);
  const done = await queue.wait(job.id);
  assert.equal(done.status, "failed");
  assert.deepEqual(done.error, { message: "boom", code: "render_failed" });
  controller.abort();
  assert.equal(await waiting, null, "an aborted claim resolves null");
  await queue.close();
});

Deno.test("createInProcessQueue() wait() rejects with the signal's reason and close() cancels", async () => {
  const queue = createInProcessQueue();
  const job = await queue.submit(tinyRequest());
  const controller = new AbortController();
  const waiting = queue.wait(job.id, { signal: controller.signal });
  controller.abort(new Error("client went away"));
  await assert.rejects(waiting, /client went away/);
  await assert.rejects(() => queue.wait("missing"), /unknown or has expired/);
  await queue.close();
  const closed = await queue.wait(job.id);
  assert.equal(closed.status, "cancelled");
  assert.equal(closed.error?.code, "queue_closed");
  await assert.rejects(() => queue.submit(tinyRequest()), /closed/);
});

Deno.test("createInProcessQueue() submit() rejects invalid requests with TypeError/RangeError", async () => {
  const queue = createInProcessQueue();
  await assert.rejects(() => queue.submit(tinyRequest({ seed: "-1" })), TypeError);
  await assert.rejects(() => queue.submit(tinyRequest({ steps: 0 })), RangeError);
  await assert.rejects(() => queue.submit(tinyRequest({ model: "" })), TypeError);
  await queue.close();
});

Deno.test("createInProcessQueue() counts image to image progress in the steps its strength leaves", async () => {
  const initImage = {
    width: 64,
    height: 64,
    channels: 3 as const,
    data: new Uint8Array(64 * 64 * 3),
  };
  const queue = createInProcessQueue();
  // diffusers runs ⌊10 × 0.75⌋ = 7 of the 10 steps.
  const job = await queue.submit(tinyRequest({ steps: 10, strength: 0.75, initImage }));
  assert.deepEqual(job.progress, { step: 0, total: 7 });
  const claimed = (await queue.claim({ signal: new AbortController().signal }))!;
  assert.deepEqual(claimed.job.progress, { step: 0, total: 7 });
  await claimed.release();
  assert.deepEqual((await queue.get(job.id))?.progress, { step: 0, total: 7 });
  await queue.close();
});
