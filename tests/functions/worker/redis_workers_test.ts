/**
 * The split topology for real: render-worker processes (`functions/cli/worker.ts`) and API-side
 * queue clients sharing a `redis-server`, with a worker process killed (SIGKILL) mid-job.
 */
import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { createRedisQueue, type Job, startRenderPool } from "../../../functions/worker/mod.ts";
import { startTestRedis } from "./_redis_server.ts";
import { countLateSteps, MAX_LATE_STEPS } from "./_late_steps.ts";
import { assertPng, tinyRequest } from "./_request.ts";
import { pngPicture, QUICK_PROMPTS, scorePicture } from "../../_adherence/mod.ts";
import { startWorkerProcess, type WorkerProcess } from "./_worker_process.ts";

Deno.test("Redis queue: 20 jobs over two worker processes, one killed mid-job, each completes exactly once", async () => {
  const redis = await startTestRedis();
  if (redis === null) return;
  const workers: WorkerProcess[] = [];
  const api = createRedisQueue({ url: redis.url, capacity: 64, pollMs: 200 });
  const inspect = new Redis(redis.url);
  try {
    const args = ["--claim-idle-ms", "1500", "--block-ms", "200"];
    workers.push(startWorkerProcess(redis.url, { name: "victim", args }));
    workers.push(startWorkerProcess(redis.url, { name: "survivor", args }));
    await Promise.all(workers.map((w) => w.ready));
    const requests = Array.from(
      { length: 20 },
      (_, i) => tinyRequest({ steps: 8, seed: String(1000 + i), prompt: `job number ${i}` }),
    );
    const jobs: Job[] = [];
    for (const request of requests) jobs.push(await api.submit(request));

    // Kill the victim while it is inside a job (a step reported, the job not finished).
    let killedJob: string | undefined;
    while (killedJob === undefined) {
      for (const job of jobs) {
        const [status, worker, step] = await inspect.hmget(
          `sd:job:${job.id}`,
          "status",
          "worker",
          "step",
        );
        if (status === "running" && worker === "victim" && Number(step) >= 1) {
          killedJob = job.id;
          break;
        }
      }
    }
    const killed = await workers[0]!.stop("SIGKILL");
    assert.equal(killed.signal, "SIGKILL");

    const done = await Promise.all(jobs.map((job) => api.wait(job.id)));
    for (const [i, job] of done.entries()) {
      assert.equal(job.status, "succeeded", `job ${i}: ${JSON.stringify(job.error)}`);
      assert.equal(job.images?.length, 1);
      assertPng(job.images?.[0], requests[i]!);
    }
    // The queue's own ledger: one `succeeded` event per job, whoever rendered it.
    for (const job of jobs) {
      const events = await inspect.xrange(`sd:job:${job.id}:events`, "-", "+");
      const completions = events.filter(([, fields]) => fields[1] === "succeeded").length;
      assert.equal(completions, 1, `job ${job.id} completed ${completions} times`);
    }
    const [attempts, finishedBy] = await inspect.hmget(`sd:job:${killedJob}`, "attempts", "worker");
    assert.equal(attempts, "2", "the killed job was reclaimed once");
    assert.equal(finishedBy, "survivor");
    assert.equal(await inspect.scard("sd:queued"), 0);
    assert.equal(await inspect.xlen("sd:stream:tiny-sd"), 0, "every work entry acknowledged");
  } finally {
    await Promise.all(workers.map((w) => w.stop("SIGKILL")));
    inspect.disconnect();
    await api.close();
    await redis.stop();
  }
});

Deno.test("Redis queue: jobs submitted before an API restart are rendered and readable after it", async () => {
  const redis = await startTestRedis();
  if (redis === null) return;
  let worker: WorkerProcess | undefined;
  const before = createRedisQueue({ url: redis.url });
  const after = createRedisQueue({ url: redis.url, pollMs: 200 });
  try {
    const request = tinyRequest({ steps: 4, seed: "77" });
    const ids = [(await before.submit(request)).id, (await before.submit(request)).id];
    await before.close();
    worker = startWorkerProcess(redis.url, { name: "late", args: ["--block-ms", "200"] });
    await worker.ready;
    for (const id of ids) {
      const job = await after.wait(id);
      assert.equal(job.status, "succeeded");
      assertPng(job.images?.[0], request);
    }
    // Same seed, same request: identical PNGs.
    const [a, b] = await Promise.all(ids.map((id) => after.get(id)));
    assert.deepEqual(a?.images, b?.images);
    // A graceful stop (SIGTERM) exits cleanly.
    const status = await worker.stop("SIGTERM");
    assert.equal(status.code, 0, worker.output());
  } finally {
    await worker?.stop("SIGKILL");
    await after.close();
    await before.close();
    await redis.stop();
  }
});

Deno.test("Redis queue: a cancel from another API instance stops the worker's render within a step", async () => {
  const redis = await startTestRedis();
  if (redis === null) return;
  const workerQueue = createRedisQueue({ url: redis.url, blockMs: 200 });
  const api = createRedisQueue({ url: redis.url, pollMs: 200 });
  const { source, late } = countLateSteps(workerQueue);
  const pool = startRenderPool({
    queue: source,
    models: ["tiny-sd"],
    workers: 1,
    device: "cpu",
    cancelGraceMs: 60_000,
  });
  try {
    await pool.ready;
    const long = await api.submit(tinyRequest({ steps: 800 }));
    const next = await api.submit(tinyRequest({ prompt: "after the cancel" }));
    for await (const event of api.events(long.id)) {
      if (event.type === "step" && event.step === 5) {
        assert.equal(await api.cancel(long.id), true);
      }
    }
    assert.equal((await api.get(long.id))?.status, "cancelled");
    const done = await api.wait(next.id);
    assert.equal(done.status, "succeeded");
    assertPng(done.images?.[0], done.request);
    assert.equal(pool.stats.replaced, 0, "the Worker stopped by itself");
    assert.ok((late.get(long.id) ?? 0) <= MAX_LATE_STEPS, `late steps: ${late.get(long.id)}`);
  } finally {
    await pool.close();
    await workerQueue.close();
    await api.close();
    await redis.stop();
  }
});

Deno.test("Redis queue: a worker started without --models renders toy-shapes pictures of the prompt", async () => {
  const redis = await startTestRedis();
  if (redis === null) return;
  const worker = startWorkerProcess(redis.url, { name: "default", models: null });
  const api = createRedisQueue({ url: redis.url, capacity: 8, pollMs: 200 });
  try {
    await worker.ready;
    assert.match(worker.output(), /toy-shapes/);
    for (const prompt of QUICK_PROMPTS) {
      const request = tinyRequest({
        model: "toy-shapes",
        prompt,
        negativePrompt: "",
        steps: 25,
        scheduler: "PNDMScheduler",
        seed: "2",
      });
      const job = await api.wait((await api.submit(request)).id);
      assert.equal(job.status, "succeeded", JSON.stringify(job.error));
      assertPng(job.images?.[0], request);
      const score = scorePicture(prompt, pngPicture(job.images![0]!));
      assert.deepEqual(
        [score.background, score.colour, score.shape],
        [true, true, true],
        `${prompt}: ${JSON.stringify(score)}`,
      );
    }
  } finally {
    await worker.stop("SIGTERM");
    await api.close();
    await redis.stop();
  }
});
