/**
 * `deno task worker`: a standalone render-worker process for the split topology (API instances
 * with `SD_WORKERS=0`, render workers elsewhere, Redis between them). Its environment is parsed
 * once by `parseWorkerConfig` (`functions/config.ts`); flags override it.
 *
 * ```sh
 * SD_REDIS_URL=redis://127.0.0.1:6379 deno task worker --workers 2 --models toy-shapes
 * ```
 *
 * Flags (environment fallback): `--models a,b` (`SD_MODELS`, default `toy-shapes`), `--workers N`
 * (`SD_WORKERS`, default 1), `--threads N` (`SD_WORKER_THREADS`, CPU threads per Worker, default the
 * cores divided among the Workers), `--cache-dir DIR` (`SD_MODELS_DIR`), `--device auto|cpu|cuda|webgpu`
 * (`SD_DEVICE`), `--consumer NAME`, `--claim-idle-ms MS`, `--block-ms MS`, `--prefix sd:`.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { loadModel, requireModels } from "../../models/mod.ts";
import { parseWorkerConfig, type WorkerConfig } from "../config.ts";
import { connectRedis } from "../runtime/redis_connection.ts";
import { isStartupError } from "../runtime/startup_errors.ts";
import { createRedisQueue, type RedisQueueOptions } from "../worker/redis_queue.ts";
import { describeRendering, type RenderDevice, startRenderPool } from "../worker/pool.ts";

function fail(message: string): never {
  console.error(`render worker: ${message}`);
  Deno.exit(2);
}

function parseFlags() {
  return parseArgs({
    args: Deno.args,
    options: {
      models: { type: "string" },
      workers: { type: "string" },
      threads: { type: "string" },
      "cache-dir": { type: "string" },
      device: { type: "string" },
      consumer: { type: "string" },
      "claim-idle-ms": { type: "string" },
      "block-ms": { type: "string" },
      prefix: { type: "string" },
    },
  });
}

let values: ReturnType<typeof parseFlags>["values"];
try {
  values = parseFlags().values;
} catch (error) {
  // node:util's parseArgs throws a TypeError for an unknown flag or a missing value.
  fail(
    `${
      error instanceof Error ? error.message : String(error)
    } (flags: --models, --workers, --threads, --cache-dir, --device, --consumer, --claim-idle-ms, --block-ms, --prefix)`,
  );
}

function integer(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) fail(`${name} must be a positive integer: '${text}'`);
  return value;
}

let env: WorkerConfig;
try {
  env = parseWorkerConfig(Deno.env.toObject());
} catch (error) {
  if (!isStartupError(error)) throw error;
  fail(error.message.replace(/\n\s*/g, " "));
}
const url = env.redisUrl;
if (url === undefined || !/^rediss?:\/\//.test(url)) {
  fail("set SD_REDIS_URL (redis://host:port) to the Redis the API instances use");
}
const models = values.models === undefined
  ? [...env.models]
  : values.models.split(",").map((m) => m.trim()).filter((m) => m.length > 0);
const workers = integer("--workers", values.workers, env.workers);
const threads = values.threads === undefined
  ? env.workerThreads
  : integer("--threads", values.threads, 1);
const device = (values.device ?? env.device) as RenderDevice;
if (!["auto", "cpu", "cuda", "webgpu"].includes(device)) {
  fail(`--device must be auto, cpu, cuda or webgpu: '${device}'`);
}
const cacheDir = values["cache-dir"] ?? env.modelsDir;
const queueOptions: RedisQueueOptions = { url };
if (values.consumer !== undefined) queueOptions.consumer = values.consumer;
if (values.prefix !== undefined) queueOptions.prefix = values.prefix;
if (values["claim-idle-ms"] !== undefined) {
  queueOptions.claimIdleMs = integer("--claim-idle-ms", values["claim-idle-ms"], 30_000);
}
if (values["block-ms"] !== undefined) {
  queueOptions.blockMs = integer("--block-ms", values["block-ms"], 1000);
}

// A model the Workers cannot load would make every job for it fail, and an unreachable Redis
// would only print reconnect errors: refuse to start instead, with one line.
try {
  await requireModels(models, (id) => loadModel(id, cacheDir === undefined ? {} : { cacheDir }));
  (await connectRedis(url)).disconnect();
} catch (error) {
  if (!isStartupError(error)) throw error;
  fail(error.message);
}

const queue = createRedisQueue(queueOptions);
const pool = startRenderPool({
  queue,
  models,
  workers,
  device,
  ...(cacheDir === undefined ? {} : { cacheDir }),
  ...(threads === undefined ? {} : { threadsPerWorker: threads }),
});

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await pool.close();
  await queue.close();
  Deno.exit(0);
}
Deno.addSignalListener("SIGINT", stop);
Deno.addSignalListener("SIGTERM", stop);

await pool.ready;
// The device line first: "ready" is the last line, the one supervisors and tests wait for.
console.log(describeRendering(await pool.rendering));
console.log(
  `render worker ${queue.consumer} ready: ${workers} worker(s) for ${models.join(", ")}`,
);
