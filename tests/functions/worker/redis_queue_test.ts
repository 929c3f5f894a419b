/**
 * The Redis Streams queue against a real `redis-server`: several clients (API instances and
 * workers) on one Redis; a test plays the worker side (claim, progress, settle).
 */
import assert from "node:assert/strict";
import {
  createRedisQueue,
  type JobEvent,
  QueueFullError,
  type RedisQueue,
  type RedisQueueOptions,
} from "../../../functions/worker/mod.ts";
import { startTestRedis } from "./_redis_server.ts";
import { tinyRequest } from "./_request.ts";

const png = (n: number) => new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10, 0, n, 255, 0]);
const models = ["tiny-sd"];

/** Runs `fn` with a fresh redis-server and a factory of queue clients, all closed afterwards. */
function redisTest(
  name: string,
  fn: (client: (options?: Partial<RedisQueueOptions>) => RedisQueue) => Promise<void>,
): void {
  Deno.test(name, async () => {
    const redis = await startTestRedis();
    if (redis === null) return;
    const clients: RedisQueue[] = [];
    try {
      await fn((options = {}) => {
        const queue = createRedisQueue({ url: redis.url, blockMs: 100, pollMs: 200, ...options });
        clients.push(queue);
        return queue;
      });
    } finally {
      await Promise.all(clients.map((c) => c.close()));
      await redis.stop();
    }
  });
}

async function collect(events: AsyncIterable<JobEvent>): Promise<string[]> {
  const seen: string[] = [];
  for await (const event of events) {
    seen.push(event.type === "step" ? `step ${event.step}/${event.total}` : event.type);
  }
  return seen;
}

const never = () => new AbortController().signal;

redisTest("createRedisQueue() serves a job's events and result to any instance", async (client) => {
  const api = client();
  const other = client();
  const worker = client();
  const job = await api.submit(tinyRequest({ steps: 2 }));
  assert.equal((await other.get(job.id))?.status, "queued");
  const seen = collect(other.events(job.id));
  const claimed = await worker.claim({ signal: never(), models });
  assert.ok(claimed !== null);
  assert.equal(claimed.job.id, job.id);
  assert.equal(claimed.job.status, "running");
  await claimed.progress(1, 2);
  await claimed.progress(2, 2);
  assert.equal(
    await claimed.succeed({ images: [png(1), png(2)], device: "cpu", timings: { totalMs: 5 } }),
    true,
  );
  assert.deepEqual(await seen, ["queued", "running", "step 1/2", "step 2/2", "succeeded"]);
  const done = await api.wait(job.id);
  assert.equal(done.status, "succeeded");
  assert.deepEqual(done.images, [png(1), png(2)]);
  assert.deepEqual(done.progress, { step: 2, total: 2 });
  assert.equal(done.device, "cpu");
  assert.deepEqual(done.timings, { totalMs: 5 });
  assert.deepEqual(done.request, job.request);
  assert.equal(await api.get("missing"), null);
});

redisTest(
  "createRedisQueue() counts waiting jobs across instances against capacity",
  async (client) => {
    const a = client({ capacity: 2 });
    const b = client({ capacity: 2 });
    await a.submit(tinyRequest());
    await b.submit(tinyRequest());
    await assert.rejects(() => a.submit(tinyRequest()), (error: unknown) => {
      assert.ok(error instanceof QueueFullError);
      assert.ok(error.retryAfterSeconds >= 1);
      return true;
    });
    const claimed = await client().claim({ signal: never(), models });
    assert.ok(claimed !== null);
    await b.submit(tinyRequest());
  },
);

redisTest(
  "createRedisQueue() cancel() reaches the claiming worker and wins over its result",
  async (client) => {
    const api = client();
    const worker = client();
    const job = await api.submit(tinyRequest());
    const claimed = (await worker.claim({ signal: never(), models }))!;
    await claimed.progress(1, 4);
    const aborted = new Promise((resolve) => claimed.signal.addEventListener("abort", resolve));
    assert.equal(await api.cancel(job.id), true);
    await aborted;
    assert.equal(claimed.signal.reason.name, "JobCancelledError");
    assert.equal(await claimed.succeed({ images: [png(1)] }), false);
    const done = await api.wait(job.id);
    assert.equal(done.status, "cancelled");
    assert.equal(done.images, undefined);
    assert.equal(await api.cancel(job.id), false);
    assert.equal(await api.cancel("missing"), false);
    // A cancelled queued job is skipped by workers.
    const queued = await api.submit(tinyRequest({ prompt: "never runs" }));
    const next = await api.submit(tinyRequest({ prompt: "runs" }));
    assert.equal(await api.cancel(queued.id), true);
    assert.equal((await worker.claim({ signal: never(), models }))?.job.id, next.id);
  },
);

redisTest(
  "createRedisQueue() reclaims a job whose worker went silent, and only the new owner settles",
  async (client) => {
    const api = client();
    const silent = client({ claimIdleMs: 300, heartbeatMs: 60_000 });
    const rescuer = client({ claimIdleMs: 300 });
    const job = await api.submit(tinyRequest());
    const first = (await silent.claim({ signal: never(), models }))!;
    const second = (await rescuer.claim({ signal: never(), models }))!;
    assert.equal(second.job.id, job.id, "reclaimed after the idle time");
    await first.progress(1, 4);
    assert.equal(first.signal.aborted, true, "the old owner learns it lost the job");
    assert.equal(await first.succeed({ images: [png(1)] }), false);
    assert.equal(await second.succeed({ images: [png(2)] }), true);
    const done = await api.wait(job.id);
    assert.deepEqual(done.images, [png(2)]);
    const events = await collect(api.events(job.id));
    assert.equal(events.filter((e) => e === "succeeded").length, 1);
    assert.deepEqual(events.filter((e) => e === "running").length, 2);
  },
);

redisTest("createRedisQueue() heartbeats keep a long render's claim", async (client) => {
  const api = client();
  const worker = client({ claimIdleMs: 300, heartbeatMs: 75 });
  const other = client({ claimIdleMs: 300 });
  const job = await api.submit(tinyRequest());
  const claimed = (await worker.claim({ signal: never(), models }))!;
  const stealing = other.claim({ signal: AbortSignal.timeout(1200), models });
  assert.equal(await stealing, null, "nothing to reclaim while the owner heartbeats");
  assert.equal(claimed.signal.aborted, false);
  assert.equal(await claimed.succeed({ images: [png(3)] }), true);
  assert.equal((await api.wait(job.id)).status, "succeeded");
});

redisTest(
  "createRedisQueue() jobs and results outlive the API process that made them",
  async (client) => {
    const first = client();
    const job = await first.submit(tinyRequest());
    await first.close();
    const worker = client();
    const claimed = (await worker.claim({ signal: never(), models }))!;
    assert.equal(claimed.job.id, job.id);
    await claimed.release();
    assert.equal((await worker.get(job.id))?.status, "queued", "release() requeues");
    const again = (await worker.claim({ signal: never(), models }))!;
    assert.equal(await again.succeed({ images: [png(4)] }), true);
    const restarted = client();
    const done = await restarted.wait(job.id);
    assert.equal(done.status, "succeeded");
    assert.deepEqual(done.images, [png(4)]);
    assert.deepEqual(await collect(restarted.events(job.id)), [
      "queued",
      "running",
      "queued",
      "running",
      "succeeded",
    ]);
  },
);

redisTest("createRedisQueue() fails a job after maxAttempts workers died on it", async (client) => {
  const api = client();
  const job = await api.submit(tinyRequest());
  for (let attempt = 0; attempt < 2; attempt++) {
    const dying = client({ claimIdleMs: 100, heartbeatMs: 60_000, maxAttempts: 2 });
    assert.equal((await dying.claim({ signal: never(), models }))?.job.id, job.id);
  }
  const last = client({ claimIdleMs: 100, maxAttempts: 2 });
  assert.equal(await last.claim({ signal: AbortSignal.timeout(600), models }), null);
  const done = await api.wait(job.id);
  assert.equal(done.status, "failed");
  assert.equal(done.error?.code, "worker_lost");
});
