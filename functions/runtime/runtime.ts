/**
 * Builds the production services from the configuration: where the runtime specifics live (key
 * file or Redis, ioredis, onnxruntime-node through `shared/ort`, the models registry, the render
 * worker's queue and pool). `main.ts` and `cli/start.ts` call it; the app itself never does.
 *
 * @module
 */
import { loadModel, requireModels } from "../../models/mod.ts";
import { createBackend } from "../../shared/ort/mod.ts";
import { nodeRuntime } from "../../shared/ort/node.ts";
import { schedulerNames } from "../../shared/schedulers/mod.ts";
import type { AppDeps } from "../app.ts";
import type { Config } from "../config.ts";
import {
  createInProcessQueue,
  createRedisQueue,
  type RenderingReport,
  startRenderPool,
} from "../worker/mod.ts";
import { createCachedEncoder } from "../services/encoder/cached_encoder.ts";
import { createPipelineEncoder } from "../services/encoder/pipeline_encoder.ts";
import { createRedisBytesCache } from "../services/encoder/redis_cache.ts";
import type { JobQueue } from "../services/jobs.ts";
import { createFileKeyStore, createKeyService, createRedisKeyStore } from "../services/keys/mod.ts";
import { createLocalCatalog } from "../services/models/local_catalog.ts";
import { createMemoryRateLimiter, createRedisRateLimiter } from "../services/rate_limit/mod.ts";
import { connectRedis } from "./redis_connection.ts";
import { createDirStaticFiles } from "../services/static_files.ts";
import { createTokenService } from "../services/tokens.ts";

/** Options of {@linkcode createRuntime}. */
export interface CreateRuntimeOptions {
  /** Start `config.workers` render workers in this process. @default true */
  startWorkers?: boolean;
  /** Where relative paths (client bundle) are resolved. @default the repository root */
  root?: string;
  /** Warnings (e.g. a per-process token secret). @default console.warn */
  warn?: (message: string) => void;
}

/** The services and how to stop them. */
export interface Runtime {
  deps: AppDeps;
  /** The render pool's device once its first Worker is ready; `null` without in-process workers. */
  rendering: Promise<RenderingReport> | null;
  /** Closes the queue, the workers, the encoder sessions and the Redis connection. */
  close(): Promise<void>;
}

/**
 * Builds every production service. Throws a `ModelSetupError` when a configured model cannot be
 * loaded and a `RedisUnavailableError` when Redis does not answer, before anything is started.
 *
 * @example Usage
 * ```ts ignore
 * const runtime = await createRuntime(parseConfig(Deno.env.toObject()));
 * Deno.serve(createApp(runtime.deps).fetch);
 * ```
 */
export async function createRuntime(
  config: Config,
  options: CreateRuntimeOptions = {},
): Promise<Runtime> {
  const warn = options.warn ?? ((message: string) => console.warn(message));
  const root = options.root ?? new URL("../..", import.meta.url).pathname;
  const cacheDir = config.modelsDir;
  const load = (id: string) => loadModel(id, cacheDir === undefined ? {} : { cacheDir });
  // Fail at start, not on every request, when a configured model is missing or damaged.
  await requireModels(config.models, load);
  // Fail at start, not on the first request, when Redis is unreachable.
  const redis = config.redisUrl === undefined ? null : await connectRedis(config.redisUrl);
  const keys = createKeyService(
    redis ? createRedisKeyStore(redis) : createFileKeyStore(config.keysPath),
  );
  let jwtSecret = config.jwtSecret;
  if (jwtSecret === undefined) {
    jwtSecret = Array.from(crypto.getRandomValues(new Uint8Array(32)), (b) => b.toString(16))
      .join("");
    warn("SD_JWT_SECRET is not set: minted tokens are valid only until this process exits");
  }
  const encoder = createPipelineEncoder({
    backend: () => createBackend({ devices: ["cpu"], runtimes: [nodeRuntime()] }),
    load,
  });
  const queue: JobQueue = redis
    ? createRedisQueue({ url: config.redisUrl!, capacity: config.queueCapacity })
    : createInProcessQueue({ capacity: config.queueCapacity });
  const pool = options.startWorkers !== false && config.workers > 0
    ? startRenderPool({
      queue,
      models: [...config.models],
      workers: config.workers,
      device: config.device,
      ...(cacheDir === undefined ? {} : { cacheDir }),
      ...(config.workerThreads === undefined ? {} : { threadsPerWorker: config.workerThreads }),
    })
    : null;
  const clientDist = config.clientDist.startsWith("/")
    ? config.clientDist
    : `${root.replace(/\/$/, "")}/${config.clientDist}`;
  const deps: AppDeps = {
    config,
    keys,
    tokens: createTokenService(jwtSecret, { maxTtlSeconds: config.tokenMaxTtlSeconds }),
    limiter: redis ? createRedisRateLimiter(redis) : createMemoryRateLimiter(),
    catalog: createLocalCatalog(config.models, { load }),
    encoder: createCachedEncoder(encoder, {
      maxEntries: config.encodeCacheSize,
      modelIdentity: (id) => encoder.identity(id),
      ...(redis ? { shared: createRedisBytesCache(redis) } : {}),
    }),
    queue,
    schedulers: schedulerNames(),
    staticFiles: createDirStaticFiles(clientDist),
  };
  return {
    deps,
    rendering: pool?.rendering ?? null,
    async close() {
      await pool?.close();
      await queue.close();
      await encoder.dispose();
      redis?.disconnect();
    },
  };
}
