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
import { type Claimer, createClaimer, type RunScript } from "./_redis_claims.ts";
import { decodeJob, GROUP, redisKeys } from "./_redis_keys.ts";
import { Subscriptions } from "./_redis_pubsub.ts";
import { CANCEL, SUBMIT } from "./_redis_scripts.ts";
import {
  type ClaimedJob,
  type ClaimOptions,
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

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(
      `Cannot create a Redis queue as '${name}' must be a positive number: current value is ${value}`,
    );
  }
  return value;
}

/**
 * A queue client on Redis: API instances use its `JobQueue` side; render workers pass it to
 * `startRenderPool` as the `JobSource`.
 *
 * @example An API instance and a worker sharing Redis
 * ```ts ignore
 * const queue = new RedisQueue({ url: "redis://127.0.0.1:6379" });
 * const job = await queue.submit(request);
 * const done = await queue.wait(job.id); // rendered by any worker process
 * ```
 */
export class RedisQueue implements JobQueue, JobSource {
  /** This client's consumer name (who claimed shows in the job hash as `worker`). */
  readonly consumer: string;
  readonly #capacity: number;
  readonly #ttlSeconds: number;
  readonly #pollMs: number;
  readonly #onError: (error: unknown) => void;
  readonly #keys: ReturnType<typeof redisKeys>;
  readonly #cmd: Redis;
  readonly #subscriptions: Subscriptions;
  readonly #closing = new AbortController();
  readonly #shas = new Map<string, string>();
  readonly #groups = new Set<string>();
  readonly #claimer: Claimer;

  constructor(options: RedisQueueOptions) {
    if (typeof options.url !== "string" || options.url.length === 0) {
      throw new TypeError("Cannot create a Redis queue as 'url' must be a redis:// URL");
    }
    this.#capacity = positive("capacity", options.capacity ?? 32);
    this.#ttlSeconds = Math.ceil(positive("ttlSeconds", options.ttlSeconds ?? 86_400));
    const claimIdleMs = positive("claimIdleMs", options.claimIdleMs ?? 30_000);
    this.#pollMs = positive("pollMs", options.pollMs ?? 1000);
    const onError = options.onError ??
      ((error) => console.error(`redis queue: ${errorMessage(error)}`));
    this.#onError = onError;
    this.#keys = redisKeys(options.prefix ?? "sd:");
    this.consumer = options.consumer ?? `worker-${crypto.randomUUID().slice(0, 8)}`;
    const connect = () => {
      const redis = new Redis(options.url, { maxRetriesPerRequest: null });
      redis.on("error", onError);
      return redis;
    };
    this.#cmd = connect();
    this.#subscriptions = new Subscriptions(connect);
    this.#claimer = createClaimer({
      cmd: this.#cmd,
      connect,
      run: (script, keys, args) => this.#run(script, keys, args),
      keys: this.#keys,
      subscriptions: this.#subscriptions,
      get: (id) => this.get(id),
      consumer: this.consumer,
      ttlSeconds: this.#ttlSeconds,
      claimIdleMs,
      heartbeatMs: positive("heartbeatMs", options.heartbeatMs ?? claimIdleMs / 4),
      blockMs: positive("blockMs", options.blockMs ?? 1000),
      maxAttempts: positive("maxAttempts", options.maxAttempts ?? 3),
      onError,
    });
  }

  async submit(request: JobRequest): Promise<Job> {
    checkRequest(request);
    if (this.#closing.signal.aborted) throw new Error("Cannot submit a job as the queue is closed");
    const keys = this.#keys;
    const stream = keys.stream(request.model);
    if (!this.#groups.has(stream)) {
      await this.#cmd.xgroup("CREATE", stream, GROUP, "0", "MKSTREAM").catch((error: Error) => {
        if (!error.message.includes("BUSYGROUP")) throw error;
      });
      this.#groups.add(stream);
    }
    const job = newJob(crypto.randomUUID(), request, Date.now());
    // Images go into the job hash as binary fields; the stream entry is just the id.
    const { json, fields } = encodeRequest(job.request);
    const inputs = Object.entries(fields).flatMap(([name, bytes]) => [name, Buffer.from(bytes)]);
    const accepted = await this.#run(SUBMIT, [
      keys.job(job.id),
      keys.events(job.id),
      keys.queued,
      stream,
    ], [
      job.id,
      this.#capacity,
      job.createdAt,
      this.#ttlSeconds,
      json,
      job.progress.total,
      keys.events(job.id),
      ...inputs,
    ]);
    if (accepted !== 1) {
      const average = Number(await this.#cmd.hget(keys.stats, "averageMs")) || undefined;
      throw new QueueFullError(this.#capacity, { retryAfterSeconds: retryAfterSeconds(average) });
    }
    return job;
  }

  async get(id: string): Promise<Job | null> {
    return decodeJob(await this.#cmd.hgetallBuffer(this.#keys.job(id)));
  }

  async cancel(id: string): Promise<boolean> {
    const keys = this.#keys;
    const result = await this.#run(CANCEL, [keys.job(id), keys.events(id), keys.queued], [
      id,
      Date.now(),
      this.#ttlSeconds,
      keys.events(id),
      keys.cancel,
    ]);
    return result === 1;
  }

  async *events(id: string, watch: JobWatchOptions = {}): AsyncGenerator<JobEvent> {
    const closing = this.#closing.signal;
    const signal = watch.signal === undefined ? closing : AbortSignal.any([watch.signal, closing]);
    const cmd = this.#cmd;
    const stream = this.#keys.events(id);
    if ((await cmd.exists(this.#keys.job(id))) === 0) return;
    let dirty = false;
    let wake: (() => void) | undefined;
    const unlisten = await this.#subscriptions.listen(stream, () => {
      dirty = true;
      wake?.();
    });
    try {
      let last = "-";
      let finalSeen = false;
      while (!signal.aborted) {
        dirty = false;
        const from = last === "-" ? "-" : `(${last}`;
        const entries = await cmd.xrange(stream, from, "+", "COUNT", 200);
        for (const [entryId, fields] of entries) {
          last = entryId;
          const event = await this.#toEvent(id, fields);
          if (event === null) return;
          yield event;
          if (event.type !== "step" && isTerminal(event.job.status)) return;
        }
        if (entries.length > 0) continue;
        const job = await this.get(id);
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
        if (!dirty) await sleep(this.#pollMs, { signal, wake: (resume) => wake = resume });
        wake = undefined;
      }
    } finally {
      await unlisten().catch(this.#onError);
    }
  }

  wait(id: string, watch: JobWatchOptions = {}): Promise<Job> {
    return waitForJob(this.events(id, watch), id, watch.signal);
  }

  claim(claim: ClaimOptions): Promise<ClaimedJob | null> {
    return this.#claimer.claim(claim);
  }

  async close(): Promise<void> {
    if (this.#closing.signal.aborted) return;
    this.#closing.abort();
    await this.#claimer.close();
    this.#subscriptions.close();
    await this.#cmd.quit().catch(() => this.#cmd.disconnect());
  }

  async #run(...[script, scriptKeys, args]: Parameters<RunScript>): Promise<unknown> {
    let sha = this.#shas.get(script.lua);
    if (sha === undefined) {
      sha = createHash("sha1").update(script.lua).digest("hex");
      this.#shas.set(script.lua, sha);
    }
    try {
      return await this.#cmd.evalsha(sha, scriptKeys.length, ...scriptKeys, ...args);
    } catch (error) {
      if (!errorMessage(error).includes("NOSCRIPT")) throw error;
      return await this.#cmd.eval(script.lua, scriptKeys.length, ...scriptKeys, ...args);
    }
  }

  async #toEvent(id: string, fields: string[]): Promise<JobEvent | null> {
    const record = new Map<string, string>();
    for (let i = 0; i + 1 < fields.length; i += 2) record.set(fields[i]!, fields[i + 1]!);
    const field = (name: string) => record.get(name) ?? "";
    const type = field("type") as JobEvent["type"];
    if (type === "step") {
      return { type, step: Number(field("step")), total: Number(field("total")) };
    }
    const job = await this.get(id);
    if (job === null) return null;
    if (isTerminal(type)) return { type, job } as JobEvent;
    // An earlier state replayed: the job as it is now, with the status it had then.
    const { images: _images, error: _error, ...rest } = job;
    return { type, job: { ...rest, status: type } } as JobEvent;
  }
}

/**
 * Connects a queue client to Redis (`new RedisQueue(options)`).
 *
 * @example
 * ```ts ignore
 * const queue = createRedisQueue({ url: "redis://127.0.0.1:6379" });
 * ```
 */
export function createRedisQueue(options: RedisQueueOptions): RedisQueue {
  return new RedisQueue(options);
}
