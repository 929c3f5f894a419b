/**
 * The worker side of the Redis queue: claims work-stream entries (first reclaiming, with
 * `XAUTOCLAIM`, entries left idle by workers that died, then reading new ones with a blocking
 * `XREADGROUP`), keeps each claim alive with a heartbeat while rendering, and hears
 * cancellations on the cancel channel.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import type { Redis } from "ioredis";
import { JobCancelledError } from "./errors.ts";
import { GROUP, type RedisKeys } from "./_redis_keys.ts";
import { CLAIM, HEARTBEAT, PROGRESS, type RedisScript, RELEASE, SETTLE } from "./_redis_scripts.ts";
import type { Subscriptions } from "./_redis_pubsub.ts";
import type { ClaimedJob, ClaimOptions, Job } from "./types.ts";

/** Runs a script on the command connection. */
export type RunScript = (
  script: RedisScript,
  keys: string[],
  args: (string | number | Buffer)[],
) => Promise<unknown>;

/** What the claimer needs from its queue client. */
export interface ClaimerContext {
  cmd: Redis;
  /** Opens a new connection (blocking reads need their own). */
  connect(): Redis;
  run: RunScript;
  keys: RedisKeys;
  subscriptions: Subscriptions;
  get(id: string): Promise<Job | null>;
  consumer: string;
  ttlSeconds: number;
  claimIdleMs: number;
  heartbeatMs: number;
  blockMs: number;
  maxAttempts: number;
  onError(error: unknown): void;
}

type Entry = [id: string, fields: string[] | null];

/**
 * `[stream, entries]` pairs of an `XREAD(GROUP)` reply: nested as RESP2 sends it, or a flattened
 * map as RESP3 replies come through `call`.
 */
function streamReplies(reply: unknown[] | null): [string, Entry[]][] {
  if (reply === null || reply.length === 0) return [];
  if (Array.isArray(reply[0])) return reply as [string, Entry[]][];
  const pairs: [string, Entry[]][] = [];
  for (let i = 0; i + 1 < reply.length; i += 2) {
    pairs.push([String(reply[i]), reply[i + 1] as Entry[]]);
  }
  return pairs;
}

/** The claim side of one queue client: blocking reads, reclaims, heartbeats and settling. */
export class Claimer {
  readonly #ctx: ClaimerContext;
  readonly #groups = new Map<string, Promise<void>>();
  readonly #idle: Redis[] = [];
  readonly #all: Redis[] = [];
  readonly #active = new Map<string, { controller: AbortController; end(): boolean }>();
  readonly #buffered: { model: string; entry: Entry }[] = [];
  #cancelListener: Promise<unknown> | undefined;
  #closed = false;

  constructor(ctx: ClaimerContext) {
    this.#ctx = ctx;
  }

  /** Waits for a job of one of `models`; `null` when the signal aborts or the claimer closes. */
  async claim({ signal, models }: ClaimOptions): Promise<ClaimedJob | null> {
    if (models === undefined || models.length === 0) {
      throw new TypeError("Cannot claim from a Redis queue as 'models' must list the models");
    }
    const ctx = this.#ctx;
    await Promise.all(models.map((model) => this.#ensureGroup(model)));
    this.#cancelListener ??= ctx.subscriptions.listen(ctx.keys.cancel, (id) => {
      this.#active.get(id)?.controller.abort(new JobCancelledError(id));
    });
    await this.#cancelListener;
    const redis = this.#idle.pop() ?? (() => {
      const opened = ctx.connect();
      this.#all.push(opened);
      return opened;
    })();
    try {
      while (!signal.aborted && !this.#closed) {
        for (const model of models) {
          const job = await this.#reclaim(model);
          if (job !== null) return job;
        }
        const job = (await this.#fromBuffer(models)) ?? (await this.#readNew(redis, models));
        if (job !== null) return job;
      }
      return null;
    } finally {
      this.#idle.push(redis);
    }
  }

  /** Stops claiming; unsettled claims stay pending in the stream and another worker reclaims them. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const claim of [...this.#active.values()]) claim.end();
    await Promise.allSettled(this.#all.map((redis) => redis.quit()));
  }

  #ensureGroup(model: string): Promise<void> {
    const { cmd, keys } = this.#ctx;
    let created = this.#groups.get(model);
    if (created === undefined) {
      created = cmd.xgroup("CREATE", keys.stream(model), GROUP, "0", "MKSTREAM").then(
        () => {},
        (error: Error) => {
          if (!error.message.includes("BUSYGROUP")) {
            this.#groups.delete(model);
            throw error;
          }
        },
      );
      this.#groups.set(model, created);
    }
    return created;
  }

  async #take(model: string, [entryId, fields]: Entry): Promise<ClaimedJob | null> {
    const ctx = this.#ctx;
    const { keys, consumer } = ctx;
    // Work-stream entries hold one field: `id <job id>`.
    const jobId = fields?.[0] === "id" ? fields[1] ?? "" : "";
    const stream = keys.stream(model);
    const token = `${consumer}/${crypto.randomUUID()}`;
    const result = await ctx.run(CLAIM, [
      keys.job(jobId),
      keys.events(jobId),
      keys.queued,
      stream,
    ], [
      GROUP,
      entryId,
      jobId,
      token,
      consumer,
      Date.now(),
      ctx.ttlSeconds,
      ctx.maxAttempts,
      keys.events(jobId),
    ]);
    if (result !== "ok") return null;
    const job = await ctx.get(jobId);
    if (job === null) return null;
    return this.#claimed(job, { stream, entryId, token });
  }

  #claimed(job: Job, claim: { stream: string; entryId: string; token: string }): ClaimedJob {
    const ctx = this.#ctx;
    const { keys, run, consumer } = ctx;
    const active = this.#active;
    const controller = new AbortController();
    const jobKeys = [keys.job(job.id), keys.events(job.id), claim.stream];
    const hold = [GROUP, consumer, claim.entryId, claim.token];
    const lose = (status: unknown) => {
      const reason = status === "lost" ? "reclaimed by another worker" : String(status);
      controller.abort(new JobCancelledError(job.id, { reason }));
    };
    const timer = setInterval(() => {
      run(HEARTBEAT, jobKeys, hold).then((r) => r === "ok" || lose(r), ctx.onError);
    }, ctx.heartbeatMs);
    let settled = false;
    const end = () => {
      if (settled) return false;
      settled = true;
      clearInterval(timer);
      active.delete(job.id);
      return true;
    };
    active.set(job.id, { controller, end });
    // The arguments SETTLE and RELEASE start with: whose claim ends, when, and for how long the
    // records stay.
    const ending = () => [
      GROUP,
      claim.entryId,
      claim.token,
      Date.now(),
      ctx.ttlSeconds,
      keys.events(job.id),
    ];
    const settle = async (
      status: string,
      fields: { device?: string; timings?: unknown; error?: unknown; images?: Uint8Array[] },
    ) => {
      if (!end()) return false;
      const images = (fields.images ?? []).map((png) =>
        Buffer.from(png.buffer, png.byteOffset, png.byteLength)
      );
      const result = await run(SETTLE, [...jobKeys, keys.stats], [
        ...ending(),
        status,
        fields.device ?? "",
        fields.timings === undefined ? "" : JSON.stringify(fields.timings),
        fields.error === undefined ? "" : JSON.stringify(fields.error),
        images.length,
        ...images,
      ]);
      return result === "ok";
    };
    return {
      job,
      signal: controller.signal,
      async progress(step: number, total: number) {
        if (settled) return;
        const args = [...hold, step, total, Date.now(), ctx.ttlSeconds, keys.events(job.id)];
        const result = await run(PROGRESS, jobKeys, args);
        if (result !== "ok") lose(result);
      },
      succeed: (output) => settle("succeeded", output),
      fail: (error) => settle("failed", { error: { message: error.message, code: error.code } }),
      async release() {
        if (!end()) return;
        await run(RELEASE, [...jobKeys, keys.queued], [...ending(), job.id]);
      },
    } satisfies ClaimedJob;
  }

  /** Entries idle longer than `claimIdleMs` (their worker died): taken over here. */
  async #reclaim(model: string): Promise<ClaimedJob | null> {
    const { cmd, keys, consumer } = this.#ctx;
    const ctx = this.#ctx;
    let cursor = "0-0";
    for (let page = 0; page < 100; page++) {
      const [next, entries] = await cmd.call(
        "XAUTOCLAIM",
        keys.stream(model),
        GROUP,
        consumer,
        ctx.claimIdleMs,
        cursor,
        "COUNT",
        1,
      ) as [string, (Entry | null)[]];
      for (const entry of entries) {
        const job = entry === null ? null : await this.#take(model, entry);
        if (job !== null) return job;
      }
      if (next === "0-0") return null;
      cursor = next;
    }
    return null;
  }

  async #readNew(redis: Redis, models: readonly string[]): Promise<ClaimedJob | null> {
    const ctx = this.#ctx;
    const { keys, consumer } = ctx;
    const streams = models.map((m) => keys.stream(m));
    const reply = await redis.call(
      "XREADGROUP",
      "GROUP",
      GROUP,
      consumer,
      "COUNT",
      1,
      "BLOCK",
      ctx.blockMs,
      "STREAMS",
      ...streams,
      ...streams.map(() => ">"),
    ) as unknown[] | null;
    for (const [stream, entries] of streamReplies(reply)) {
      const model = models[streams.indexOf(stream)]!;
      for (const entry of entries) this.#buffered.push({ model, entry });
    }
    return await this.#fromBuffer(models);
  }

  async #fromBuffer(models: readonly string[]): Promise<ClaimedJob | null> {
    const buffered = this.#buffered;
    for (let i = 0; i < buffered.length; i++) {
      const { model, entry } = buffered[i]!;
      if (!models.includes(model)) continue;
      buffered.splice(i--, 1);
      const job = await this.#take(model, entry);
      if (job !== null) return job;
    }
    return null;
  }
}

/** Builds the claimer of a queue client (`new Claimer(ctx)`). */
export function createClaimer(ctx: ClaimerContext): Claimer {
  return new Claimer(ctx);
}
