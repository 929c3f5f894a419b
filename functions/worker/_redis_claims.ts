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

/** The claim side of one queue client. */
export interface Claimer {
  claim(options: ClaimOptions): Promise<ClaimedJob | null>;
  close(): Promise<void>;
}

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

/** Builds the claimer of a queue client. */
export function createClaimer(ctx: ClaimerContext): Claimer {
  const { cmd, keys, run, consumer } = ctx;
  const groups = new Map<string, Promise<void>>();
  const idle: Redis[] = [];
  const all: Redis[] = [];
  const active = new Map<string, { controller: AbortController; end(): boolean }>();
  const buffered: { model: string; entry: Entry }[] = [];
  let cancelListener: Promise<unknown> | undefined;
  let closed = false;

  function ensureGroup(model: string): Promise<void> {
    let created = groups.get(model);
    if (created === undefined) {
      created = cmd.xgroup("CREATE", keys.stream(model), GROUP, "0", "MKSTREAM").then(
        () => {},
        (error: Error) => {
          if (!error.message.includes("BUSYGROUP")) {
            groups.delete(model);
            throw error;
          }
        },
      );
      groups.set(model, created);
    }
    return created;
  }

  async function take(model: string, [entryId, fields]: Entry): Promise<ClaimedJob | null> {
    // Work-stream entries hold one field: `id <job id>`.
    const jobId = fields?.[0] === "id" ? fields[1] ?? "" : "";
    const stream = keys.stream(model);
    const token = `${consumer}/${crypto.randomUUID()}`;
    const result = await run(CLAIM, [keys.job(jobId), keys.events(jobId), keys.queued, stream], [
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
    return claimed(job, { stream, entryId, token });
  }

  function claimed(job: Job, claim: { stream: string; entryId: string; token: string }) {
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
    const settle = async (
      status: string,
      fields: { device?: string; timings?: unknown; error?: unknown; images?: Uint8Array[] },
    ) => {
      if (!end()) return false;
      const images = (fields.images ?? []).map((png) =>
        Buffer.from(png.buffer, png.byteOffset, png.byteLength)
      );
      const result = await run(SETTLE, [...jobKeys, keys.stats], [
        GROUP,
        claim.entryId,
        claim.token,
        Date.now(),
        ctx.ttlSeconds,
        keys.events(job.id),
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
        await run(RELEASE, [...jobKeys, keys.queued], [
          GROUP,
          claim.entryId,
          claim.token,
          Date.now(),
          ctx.ttlSeconds,
          keys.events(job.id),
          job.id,
        ]);
      },
    } satisfies ClaimedJob;
  }

  /** Entries idle longer than `claimIdleMs` (their worker died): taken over here. */
  async function reclaim(model: string): Promise<ClaimedJob | null> {
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
        const job = entry === null ? null : await take(model, entry);
        if (job !== null) return job;
      }
      if (next === "0-0") return null;
      cursor = next;
    }
    return null;
  }

  async function readNew(redis: Redis, models: readonly string[]): Promise<ClaimedJob | null> {
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
      for (const entry of entries) buffered.push({ model, entry });
    }
    return await fromBuffer(models);
  }

  async function fromBuffer(models: readonly string[]): Promise<ClaimedJob | null> {
    for (let i = 0; i < buffered.length; i++) {
      const { model, entry } = buffered[i]!;
      if (!models.includes(model)) continue;
      buffered.splice(i--, 1);
      const job = await take(model, entry);
      if (job !== null) return job;
    }
    return null;
  }

  return {
    async claim({ signal, models }) {
      if (models === undefined || models.length === 0) {
        throw new TypeError("Cannot claim from a Redis queue as 'models' must list the models");
      }
      await Promise.all(models.map(ensureGroup));
      cancelListener ??= ctx.subscriptions.listen(keys.cancel, (id) => {
        active.get(id)?.controller.abort(new JobCancelledError(id));
      });
      await cancelListener;
      const redis = idle.pop() ?? (() => {
        const opened = ctx.connect();
        all.push(opened);
        return opened;
      })();
      try {
        while (!signal.aborted && !closed) {
          for (const model of models) {
            const job = await reclaim(model);
            if (job !== null) return job;
          }
          const job = (await fromBuffer(models)) ?? (await readNew(redis, models));
          if (job !== null) return job;
        }
        return null;
      } finally {
        idle.push(redis);
      }
    },
    async close() {
      closed = true;
      // Unsettled claims stay pending in the stream: another worker reclaims them.
      for (const claim of [...active.values()]) claim.end();
      await Promise.allSettled(all.map((redis) => redis.quit()));
    },
  };
}
