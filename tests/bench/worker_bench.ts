/**
 * Render-worker throughput on the embedded tiny model (64×64, 8 steps): one batch of 16 jobs
 * through `startRenderPool` with 1 and 2 render Workers, over the in-process queue and the Redis
 * Streams queue (a throwaway `redis-server`; those cases are skipped without one). Pool start,
 * model loading and one warm-up job per Worker happen before `b.start()`. Jobs per minute are printed at exit.
 *
 * Run: `deno bench -A tests/bench/worker_bench.ts`
 */

import {
  createInProcessQueue,
  createRedisQueue,
  type JobQueue,
  type JobSource,
  startRenderPool,
} from "../../functions/worker/mod.ts";
import { startTestRedis, type TestRedis } from "../functions/worker/_redis_server.ts";
import { tinyRequest } from "../functions/worker/_request.ts";

const JOBS = 16;
const throughput = new Map<string, number[]>();
const hasRedis = await new Deno.Command("redis-server", { args: ["--version"], stdout: "null" })
  .output().then((o) => o.success, () => false);

function bench(kind: "in-process" | "redis", workers: number): void {
  const name = `${kind} queue, ${workers} worker${workers > 1 ? "s" : ""}, ${JOBS} jobs`;
  Deno.bench({
    name,
    group: "worker throughput",
    baseline: kind === "in-process" && workers === 1,
    warmup: 1,
    n: 3,
    ignore: kind === "redis" && !hasRedis,
    async fn(b) {
      let redis: TestRedis | null = null;
      let queue: JobQueue & JobSource;
      if (kind === "redis") {
        redis = await startTestRedis();
        queue = createRedisQueue({ url: redis!.url, capacity: JOBS, blockMs: 200 });
      } else {
        queue = createInProcessQueue({ capacity: JOBS });
      }
      const pool = startRenderPool({ queue, models: ["tiny-sd"], workers, device: "cpu" });
      await pool.ready;
      // One job per Worker first: onnxruntime's first run of a session is much slower.
      const warm = await Promise.all(
        Array.from({ length: workers }, () => queue.submit(tinyRequest({ steps: 8 }))),
      );
      await Promise.all(warm.map((job) => queue.wait(job.id)));
      b.start();
      const started = performance.now();
      const jobs = await Promise.all(
        Array.from(
          { length: JOBS },
          (_, i) => queue.submit(tinyRequest({ steps: 8, seed: String(i) })),
        ),
      );
      const done = await Promise.all(jobs.map((job) => queue.wait(job.id)));
      const elapsed = performance.now() - started;
      b.end();
      if (done.some((job) => job.status !== "succeeded")) throw new Error("a job did not succeed");
      throughput.set(name, [...(throughput.get(name) ?? []), (JOBS / elapsed) * 60_000]);
      await pool.close();
      await queue.close();
      await redis?.stop();
    },
  });
}

bench("in-process", 1);
bench("in-process", 2);
bench("redis", 1);
bench("redis", 2);

globalThis.addEventListener("unload", () => {
  for (const [name, values] of throughput) {
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    console.log(`${name}: ${mean.toFixed(0)} jobs/min (mean of ${values.length} runs)`);
  }
});
