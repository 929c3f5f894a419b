/**
 * Key layout of the Redis queue and the decoding of a job hash into a {@linkcode Job}.
 *
 * Under the prefix (default `sd:`): `job:<id>` (hash: request, status, progress, claim, images as
 * `image:<n>` binary fields), `job:<id>:events` (stream of events, also the pub/sub channel that
 * announces them), `queued` (set of waiting job ids: the capacity count), `stream:<model>` (work
 * stream per model, consumer group `render`), `cancel` (channel of cancelled running jobs),
 * `stats` (average job time).
 *
 * @module
 */

import { decodeRequest } from "./_request_codec.ts";
import type { Buffer } from "node:buffer";
import type { Job, JobStatus } from "./types.ts";

/** The consumer group every render worker joins. */
export const GROUP = "render";

/** Key names under one prefix. */
export interface RedisKeys {
  job(id: string): string;
  events(id: string): string;
  queued: string;
  stream(model: string): string;
  cancel: string;
  stats: string;
}

/** The keys under `prefix`. */
export function redisKeys(prefix: string): RedisKeys {
  return {
    job: (id) => `${prefix}job:${id}`,
    events: (id) => `${prefix}job:${id}:events`,
    queued: `${prefix}queued`,
    stream: (model) => `${prefix}stream:${model}`,
    cancel: `${prefix}cancel`,
    stats: `${prefix}stats`,
  };
}

const STATUSES = new Set(["queued", "running", "succeeded", "failed", "cancelled"]);

/** Decodes `HGETALL` (binary) of a job hash; `null` when empty or not a job. */
export function decodeJob(hash: Record<string, Buffer>): Job | null {
  const text = (name: string) => hash[name]?.toString("utf8");
  const number = (name: string) => Number(text(name) ?? 0);
  const id = text("id");
  const status = text("status");
  const request = text("request");
  if (id === undefined || request === undefined || !STATUSES.has(status ?? "")) return null;
  const job: Job = {
    id,
    request: decodeRequest(request, (field) => {
      const value = hash[field];
      return value === undefined ? undefined : new Uint8Array(value);
    }),
    status: status as JobStatus,
    progress: { step: number("step"), total: number("total") },
    createdAt: number("createdAt"),
    updatedAt: number("updatedAt"),
  };
  const count = number("images");
  if (status === "succeeded" && count > 0) {
    job.images = Array.from({ length: count }, (_, i) => new Uint8Array(hash[`image:${i}`] ?? []));
  }
  const error = text("error");
  if (error) job.error = JSON.parse(error);
  const device = text("device");
  if (device) job.device = device;
  const timings = text("timings");
  if (timings) job.timings = JSON.parse(timings);
  return job;
}
