/**
 * Render worker throughput: a render pool of 1 and 2 Workers (the shared pipeline on
 * onnxruntime-node, embedded tiny model, 25 steps at 64×64) draining a burst of jobs from the
 * in-process queue and from the Redis Streams queue (a throwaway `redis-server`). Jobs per minute
 * counts from the first submit to the last completion; Worker start-up is measured separately.
 *
 * Runs in a child process so the figures do not depend on what the suite ran before: after
 * onnxruntime-web's wasm sessions, V8 keeps compiling wasm in background threads for seconds, and
 * the parent's loaded sessions hold memory the Workers would compete with. (A pool can start in a
 * process that opened onnxruntime-web: `shared/ort` restores Deno's `Worker` global.)
 *
 * Child: `deno run -A tests/bench/_suite_worker.ts '{"args":{"mode":"quick","device":"cpu",...}}'`
 */

import {
  createInProcessQueue,
  createRedisQueue,
  type JobQueue,
  type JobRequest,
  type JobSource,
  startRenderPool,
} from "../../functions/worker/mod.ts";
import { startRedis } from "../functions/_harness.ts";
import { childArgs, reportResult, runChild } from "./_suite_child.ts";
import { LoadMeter, settle } from "./_suite_load.ts";
import { SuiteContext, type SuiteMode } from "./_suite_context.ts";
import { type Figure, figure, type Skipped } from "./_suite_stats.ts";

function request(i: number): JobRequest {
  return {
    model: "tiny-sd",
    prompt: `a lighthouse at dusk, variation ${i}`,
    negativePrompt: "blurry",
    steps: 25,
    guidanceScale: 7.5,
    seed: String(1000 + i),
    width: 64,
    height: 64,
    batchSize: 1,
    scheduler: "PNDMScheduler",
  };
}

async function drain(
  queue: JobQueue & JobSource,
  workers: number,
  jobs: number,
  device: "cpu" | "cuda",
): Promise<{ jobsPerMinute: number; startMs: number; otherCores: number }> {
  await settle();
  const startAt = performance.now();
  const pool = startRenderPool({ queue, models: ["tiny-sd"], workers, device });
  try {
    await pool.ready;
    const startMs = performance.now() - startAt;
    const begin = performance.now();
    const meter = new LoadMeter();
    meter.start();
    const submitted = [];
    for (let i = 0; i < jobs; i++) submitted.push(await queue.submit(request(i)));
    const done = await Promise.all(submitted.map((job) => queue.wait(job.id)));
    const failed = done.filter((job) => job.status !== "succeeded");
    if (failed.length > 0) {
      throw new Error(`${failed.length} jobs did not succeed: ${failed[0]!.error?.message}`);
    }
    const jobsPerMinute = jobs / ((performance.now() - begin) / 60_000);
    return { jobsPerMinute, startMs, otherCores: meter.stop() };
  } finally {
    await pool.close();
  }
}

async function measureInProcess(ctx: SuiteContext): Promise<void> {
  const jobs = ctx.quick ? 8 : 16;
  const rounds = ctx.quick ? 1 : 3;
  const redis = await startRedis();
  const queues: { kind: string; make: (() => JobQueue & JobSource) | null; reason?: string }[] = [
    { kind: "in-process", make: () => createInProcessQueue({ capacity: 64 }) },
    redis
      ? {
        kind: "redis",
        make: () => createRedisQueue({ url: redis.url, capacity: 64, pollMs: 100 }),
      }
      : { kind: "redis", make: null, reason: "redis-server is not installed" },
  ];
  try {
    for (const { kind, make, reason } of queues) {
      for (const workers of ctx.quick ? [1] : [1, 2]) {
        const id = `worker.${kind}.${workers}`;
        if (make === null) {
          ctx.skip(id, reason ?? "queue unavailable");
          continue;
        }
        const throughput: number[] = [];
        const starts: number[] = [];
        const others: number[] = [];
        for (let r = 0; r < rounds; r++) {
          const queue = make();
          try {
            const result = await drain(queue, workers, jobs, ctx.device);
            throughput.push(result.jobsPerMinute);
            starts.push(result.startMs);
            others.push(result.otherCores);
          } finally {
            await queue.close();
          }
        }
        ctx.add(figure({
          id,
          label: `render pool, ${workers} Worker${workers > 1 ? "s" : ""}, ${kind} queue ` +
            `(tiny, 25 steps)`,
          group: "worker",
          backend: ctx.device,
          unit: "jobs/min",
          details: {
            jobsPerRound: jobs,
            workerStartMs: starts.map(Math.round),
            otherCores: others,
          },
        }, throughput));
      }
    }
  } finally {
    await redis?.stop();
  }
}

interface WorkerArgs {
  mode: SuiteMode;
  device: "cpu" | "cuda";
  cacheDir: string;
}

if (import.meta.main) {
  const args = childArgs<WorkerArgs>();
  const ctx = new SuiteContext({ ...args, backends: [], log: (line) => console.error(line) });
  await measureInProcess(ctx);
  reportResult({ figures: ctx.figures, skipped: ctx.skipped });
}

/** Jobs/minute with 1 and 2 Workers over the in-process and Redis queues (in a subprocess). */
export async function measureWorkers(ctx: SuiteContext): Promise<void> {
  const args: WorkerArgs = { mode: ctx.mode, device: ctx.device, cacheDir: ctx.cacheDir };
  const { result } = await runChild<{ figures: Figure[]; skipped: Skipped[] }>(
    "_suite_worker.ts",
    args,
    { timeoutMs: 600_000 },
  );
  for (const f of result.figures) ctx.add(f);
  for (const s of result.skipped) ctx.skip(s.id, s.reason);
}
