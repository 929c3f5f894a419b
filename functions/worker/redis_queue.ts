/**
 * The Redis Streams job queue, for many API instances and many render workers. A job is a hash
 * with a TTL; its id goes to a per-model work stream read by the consumer group `render`; its
 * events go to a per-job stream (replayable from any instance) announced on pub/sub. Workers that
 * die leave their entry pending and idle, and another worker reclaims it (`XAUTOCLAIM`); a claim
 * token checked atomically on every write makes sure a job succeeds exactly once.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import { Redis } from "ioredis";
import {
  checkRequest,
  errorMessage,
  newJob,
  retryAfterSeconds,
  sleep,
  waitForJob,
} from "./_common.ts";
import { encodeRequest } from "./_request_codec.ts";
import { QueueFullError } from "./errors.ts";
import { createClaimer, type RunScript } from "./_redis_claims.ts";
import { decodeJob, GROUP, redisKeys } from "./_redis_keys.ts";
import { Subscriptions } from "./_redis_pubsub.ts";
import { CANCEL, SUBMIT } from "./_redis_scripts.ts";
import {
  isTerminal,
  type Job,
  type JobEvent,
  type JobQueue,
  type JobRequest,
  type JobSource,
  type JobWatchOptions,
} from "./types.ts";

/** Options of {@linkcode createRedisQueue}. */
export interface RedisQueueOptions {
  /** `redis://[user:pass@]host:port[/db]`. */
  url: string;
  /** Jobs that may wait (across all instances) before `submit` throws. @default {32} */
  capacity?: number;
  /** Prefix of every key and channel. @default {"sd:"} */
  prefix?: string;
  /** Lifetime of job records, results and events, in seconds. @default {86_400} */
  ttlSeconds?: number;
  /** A claimed job idle this long (its worker stopped heartbeating) is reclaimed. @default {30_000} */
  claimIdleMs?: number;
  /** How often a worker refreshes its claim while rendering. @default {claimIdleMs / 4} */
  heartbeatMs?: number;
  /** Longest blocking read of the work streams, in milliseconds. @default {1000} */
  blockMs?: number;
  /** How often watchers re-read a job's events when no notification came. @default {1000} */
  pollMs?: number;
  /** Claims of one job (workers dying on it) before it fails. @default {3} */
  maxAttempts?: number;
  /** Consumer name of this process in the group. @default {"worker-<random>"} */
  consumer?: string;
  /** Where background errors (heartbeats) go. @default {console.error} */
  onError?(error: unknown): void;
}

/** The Redis queue: both sides of the contract. */
export interface RedisQueue extends JobQueue, JobSource {
  /** This client's consumer name (who claimed shows in the job hash as `worker`). */
  readonly consumer: string;
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(
      `Cannot create a Redis queue as '${name}' must be a positive number: current value is ${value}`,
    );
  }
  return value;
}

/**
 * Connects a queue client to Redis. API instances use its `JobQueue` side; render workers pass it
 * to `startRenderPool` as the `JobSource`.
 *
 * @example An API instance and a worker sharing Redis
 * ```ts ignore
 * const queue = createRedisQueue({ url: "redis://127.0.0.1:6379" });
 * const job = await queue.submit(request);
 * const done = await queue.wait(job.id); // rendered by any worker process
 * ```
 */
export function createRedisQueue(options: RedisQueueOptions): RedisQueue {
  if (typeof options.url !== "string" || options.url.length === 0) {
    throw new TypeError("Cannot create a Redis queue as 'url' must be a redis:// URL");
  }
  const capacity = positive("capacity", options.capacity ?? 32);
  const ttlSeconds = Math.ceil(positive("ttlSeconds", options.ttlSeconds ?? 86_400));
  const claimIdleMs = positive("claimIdleMs", options.claimIdleMs ?? 30_000);
  const pollMs = positive("pollMs", options.pollMs ?? 1000);
  const onError = options.onError ??
    ((error) => console.error(`redis queue: ${errorMessage(error)}`));
  const keys = redisKeys(options.prefix ?? "sd:");
  const consumer = options.consumer ?? `worker-${crypto.randomUUID().slice(0, 8)}`;
  const connect = () => {
    const redis = new Redis(options.url, { maxRetriesPerRequest: null });
    redis.on("error", onError);
    return redis;
  };
  const cmd = connect();
  const subscriptions = new Subscriptions(connect);
  const closing = new AbortController();
  const shas = new Map<string, string>();
  const groups = new Set<string>();

  const run: RunScript = async (script, scriptKeys, args) => {
    let sha = shas.get(script.lua);
    if (sha === undefined) {
      sha = createHash("sha1").update(script.lua).digest("hex");
      shas.set(script.lua, sha);
    }
    try {
      return await cmd.evalsha(sha, scriptKeys.length, ...scriptKeys, ...args);
    } catch (error) {
      if (!errorMessage(error).includes("NOSCRIPT")) throw error;
      return await cmd.eval(script.lua, scriptKeys.length, ...scriptKeys, ...args);
    }
  };

  async function get(id: string): Promise<Job | null> {
    return decodeJob(await cmd.hgetallBuffer(keys.job(id)));
  }

  const claimer = createClaimer({
    cmd,
    connect,
    run,
    keys,
    subscriptions,
    get,
    consumer,
    ttlSeconds,
    claimIdleMs,
    heartbeatMs: positive("heartbeatMs", options.heartbeatMs ?? claimIdleMs / 4),
    blockMs: positive("blockMs", options.blockMs ?? 1000),
    maxAttempts: positive("maxAttempts", options.maxAttempts ?? 3),
    onError,
  });

  async function toEvent(id: string, fields: string[]): Promise<JobEvent | null> {
    const record = new Map<string, string>();
    for (let i = 0; i + 1 < fields.length; i += 2) record.set(fields[i]!, fields[i + 1]!);
    const field = (name: string) => record.get(name) ?? "";
    const type = field("type") as JobEvent["type"];
    if (type === "step") {
      return { type, step: Number(field("step")), total: Number(field("total")) };
    }
    const job = await get(id);
    if (job === null) return null;
    if (isTerminal(type)) return { type, job } as JobEvent;
    // An earlier state replayed: the job as it is now, with the status it had then.
    const { images: _images, error: _error, ...rest } = job;
    return { type, job: { ...rest, status: type } } as JobEvent;
  }

  async function* events(id: string, watch: JobWatchOptions = {}): AsyncGenerator<JobEvent> {
    const signal = watch.signal === undefined
      ? closing.signal
      : AbortSignal.any([watch.signal, closing.signal]);
    if ((await cmd.exists(keys.job(id))) === 0) return;
    let dirty = false;
    let wake: (() => void) | undefined;
    const unlisten = await subscriptions.listen(keys.events(id), () => {
      dirty = true;
      wake?.();
    });
    try {
      let last = "-";
      let finalSeen = false;
      while (!signal.aborted) {
        dirty = false;
        const from = last === "-" ? "-" : `(${last}`;
        const entries = await cmd.xrange(keys.events(id), from, "+", "COUNT", 200);
        for (const [entryId, fields] of entries) {
          last = entryId;
          const event = await toEvent(id, fields);
          if (event === null) return;
          yield event;
          if (event.type !== "step" && isTerminal(event.job.status)) return;
        }
        if (entries.length > 0) continue;
        const job = await get(id);
        if (job === null) return;
        if (isTerminal(job.status)) {
          // Its events expired or were trimmed: report the final state once re-read.
          if (finalSeen) {
            yield { type: job.status, job } as JobEvent;
            return;
          }
          finalSeen = true;
          continue;
        }
        if (!dirty) await sleep(pollMs, { signal, wake: (resume) => wake = resume });
        wake = undefined;
      }
    } finally {
      await unlisten().catch(onError);
    }
  }

  return {
    consumer,
    async submit(request: JobRequest) {
      checkRequest(request);
      if (closing.signal.aborted) throw new Error("Cannot submit a job as the queue is closed");
      const stream = keys.stream(request.model);
      if (!groups.has(stream)) {
        await cmd.xgroup("CREATE", stream, GROUP, "0", "MKSTREAM").catch((error: Error) => {
          if (!error.message.includes("BUSYGROUP")) throw error;
        });
        groups.add(stream);
      }
      const job = newJob(crypto.randomUUID(), request, Date.now());
      // Images go into the job hash as binary fields; the stream entry is just the id.
      const { json, fields } = encodeRequest(job.request);
      const inputs = Object.entries(fields).flatMap(([name, bytes]) => [name, Buffer.from(bytes)]);
      const accepted = await run(SUBMIT, [
        keys.job(job.id),
        keys.events(job.id),
        keys.queued,
        stream,
      ], [
        job.id,
        capacity,
        job.createdAt,
        ttlSeconds,
        json,
        job.progress.total,
        keys.events(job.id),
        ...inputs,
      ]);
      if (accepted !== 1) {
        const average = Number(await cmd.hget(keys.stats, "averageMs")) || undefined;
        throw new QueueFullError(capacity, { retryAfterSeconds: retryAfterSeconds(average) });
      }
      return job;
    },
    get,
    async cancel(id: string) {
      const result = await run(CANCEL, [keys.job(id), keys.events(id), keys.queued], [
        id,
        Date.now(),
        ttlSeconds,
        keys.events(id),
        keys.cancel,
      ]);
      return result === 1;
    },
    events,
    wait: (id, watch = {}) => waitForJob(events(id, watch), id, watch.signal),
    claim: (claim) => claimer.claim(claim),
    async close() {
      if (closing.signal.aborted) return;
      closing.abort();
      await claimer.close();
      subscriptions.close();
      await cmd.quit().catch(() => cmd.disconnect());
    },
  };
}
