/**
 * The in-process job queue (the default, one machine): jobs live in memory, a bounded number may
 * wait (`QueueFullError` beyond), render slots of the same process claim them in order, and every
 * job keeps its event history so `events()` replays from the start.
 *
 * @module
 */

import { checkRequest, newJob, retryAfterSeconds, updateAverage, waitForJob } from "./_common.ts";
import { JobCancelledError, QueueFullError } from "./errors.ts";
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
  type RenderOutput,
} from "./types.ts";

/** Options of {@linkcode createInProcessQueue}. */
export interface InProcessQueueOptions {
  /** Jobs that may wait (not yet running) before `submit` throws. @default {32} */
  capacity?: number;
  /** How long finished jobs stay readable, in milliseconds. @default {3_600_000} */
  retentionMs?: number;
  /** Clock in milliseconds since the epoch. @default {Date.now} */
  now?: () => number;
}

/** The in-process queue: both sides of the contract plus a size probe. */
export interface InProcessQueue extends JobQueue, JobSource {
  /** Jobs waiting and running now. */
  size(): { queued: number; running: number };
}

interface Entry {
  job: Job;
  history: JobEvent[];
  listeners: Set<() => void>;
  controller?: AbortController;
  startedAt?: number;
}

interface Waiter {
  models: readonly string[] | undefined;
  resolve(claimed: ClaimedJob | null): void;
}

/**
 * Creates an in-memory queue. Render pools in the same process claim from it.
 *
 * @example Submit and wait
 * ```ts ignore
 * const queue = createInProcessQueue({ capacity: 8 });
 * const pool = startRenderPool({ queue, models: ["tiny-sd"], workers: 1 });
 * const job = await queue.submit(request);
 * const done = await queue.wait(job.id);
 * ```
 */
export function createInProcessQueue(options: InProcessQueueOptions = {}): InProcessQueue {
  const capacity = options.capacity ?? 32;
  if (!Number.isInteger(capacity) || capacity < 1) {
    throw new RangeError(
      `Cannot create a queue as 'capacity' must be a positive integer: current value is ${capacity}`,
    );
  }
  const retentionMs = options.retentionMs ?? 3_600_000;
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry>();
  const pending: Entry[] = [];
  const waiters: Waiter[] = [];
  let averageMs: number | undefined;
  let running = 0;
  let closed = false;

  function update(entry: Entry, patch: Partial<Job>, event?: JobEvent["type"]): void {
    entry.job = { ...entry.job, ...patch, updatedAt: now() };
    if (event === "step") {
      entry.history.push({ type: "step", ...entry.job.progress });
    } else if (event !== undefined) {
      entry.history.push({ type: event, job: entry.job } as JobEvent);
    }
    for (const listener of [...entry.listeners]) listener();
  }

  function sweep(): void {
    const horizon = now() - retentionMs;
    for (const [id, entry] of entries) {
      if (isTerminal(entry.job.status) && entry.job.updatedAt < horizon) entries.delete(id);
    }
  }

  const serves = (models: readonly string[] | undefined, model: string) =>
    models === undefined || models.includes(model);

  function start(entry: Entry): ClaimedJob {
    const controller = new AbortController();
    entry.controller = controller;
    entry.startedAt = now();
    running++;
    update(
      entry,
      { status: "running", progress: { step: 0, total: entry.job.request.steps } },
      "running",
    );
    let settled = false;
    const settle = (patch: Partial<Job>, status: "succeeded" | "failed" | "queued") => {
      if (settled) return false;
      settled = true;
      running--;
      if (entry.job.status !== "running") return false;
      if (status === "succeeded") averageMs = updateAverage(averageMs, now() - entry.startedAt!);
      update(entry, { ...patch, status }, status);
      return true;
    };
    return {
      job: entry.job,
      signal: controller.signal,
      progress(step, total) {
        if (!settled && entry.job.status === "running") {
          update(entry, { progress: { step, total } }, "step");
        }
        return Promise.resolve();
      },
      succeed(output: RenderOutput) {
        return Promise.resolve(settle({
          images: output.images,
          ...(output.device === undefined ? {} : { device: output.device }),
          ...(output.timings === undefined ? {} : { timings: output.timings }),
        }, "succeeded"));
      },
      fail(error) {
        return Promise.resolve(settle({ error: { ...error } }, "failed"));
      },
      release() {
        const total = entry.job.request.steps;
        if (settle({ progress: { step: 0, total } }, "queued")) {
          pending.unshift(entry);
          dispatch();
        }
        return Promise.resolve();
      },
    };
  }

  function dispatch(): void {
    for (let w = 0; w < waiters.length; w++) {
      const waiter = waiters[w]!;
      const index = pending.findIndex((e) => serves(waiter.models, e.job.request.model));
      if (index < 0) continue;
      const [entry] = pending.splice(index, 1);
      waiters.splice(w--, 1);
      waiter.resolve(start(entry!));
    }
  }

  async function* events(id: string, watch: JobWatchOptions = {}): AsyncGenerator<JobEvent> {
    const entry = entries.get(id);
    if (entry === undefined) return;
    const { signal } = watch;
    let index = 0;
    while (!signal?.aborted) {
      while (index < entry.history.length) {
        const event = entry.history[index++]!;
        yield event;
        if (event.type !== "step" && isTerminal(event.job.status)) return;
      }
      await new Promise<void>((resolve) => {
        const wake = () => {
          entry.listeners.delete(wake);
          signal?.removeEventListener("abort", wake);
          resolve();
        };
        if (signal?.aborted) return resolve();
        entry.listeners.add(wake);
        signal?.addEventListener("abort", wake, { once: true });
      });
    }
  }

  return {
    submit(request: JobRequest) {
      try {
        checkRequest(request);
        if (closed) throw new Error("Cannot submit a job as the queue is closed");
        if (pending.length >= capacity) {
          const perSlot = averageMs === undefined ? undefined : averageMs / Math.max(1, running);
          throw new QueueFullError(capacity, { retryAfterSeconds: retryAfterSeconds(perSlot) });
        }
      } catch (error) {
        return Promise.reject(error);
      }
      sweep();
      const entry: Entry = {
        job: newJob(crypto.randomUUID(), request, now()),
        history: [],
        listeners: new Set(),
      };
      entry.history.push({ type: "queued", job: entry.job });
      entries.set(entry.job.id, entry);
      pending.push(entry);
      dispatch();
      return Promise.resolve(entry.job);
    },
    get: (id) => Promise.resolve(entries.get(id)?.job ?? null),
    cancel(id) {
      const entry = entries.get(id);
      if (entry === undefined || isTerminal(entry.job.status)) return Promise.resolve(false);
      const index = pending.indexOf(entry);
      if (index >= 0) pending.splice(index, 1);
      update(entry, { status: "cancelled" }, "cancelled");
      entry.controller?.abort(new JobCancelledError(id));
      return Promise.resolve(true);
    },
    events,
    wait: (id, watch = {}) => waitForJob(events(id, watch), id, watch.signal),
    claim(claim: ClaimOptions) {
      if (closed || claim.signal.aborted) return Promise.resolve(null);
      const index = pending.findIndex((e) => serves(claim.models, e.job.request.model));
      if (index >= 0) return Promise.resolve(start(pending.splice(index, 1)[0]!));
      return new Promise((resolve) => {
        const waiter: Waiter = {
          models: claim.models,
          resolve: (claimed) => {
            claim.signal.removeEventListener("abort", onAbort);
            resolve(claimed);
          },
        };
        const onAbort = () => {
          const at = waiters.indexOf(waiter);
          if (at >= 0) waiters.splice(at, 1);
          resolve(null);
        };
        claim.signal.addEventListener("abort", onAbort, { once: true });
        waiters.push(waiter);
      });
    },
    size: () => ({ queued: pending.length, running }),
    close() {
      if (closed) return Promise.resolve();
      closed = true;
      for (const waiter of waiters.splice(0)) waiter.resolve(null);
      pending.length = 0;
      for (const entry of entries.values()) {
        if (isTerminal(entry.job.status)) continue;
        const error = { code: "queue_closed", message: "The queue was closed before the job ran" };
        update(entry, { status: "cancelled", error }, "cancelled");
        entry.controller?.abort(new JobCancelledError(entry.job.id, { reason: "shut down" }));
      }
      return Promise.resolve();
    },
  };
}
