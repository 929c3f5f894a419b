/**
 * The in-process job queue (the default, one machine): jobs live in memory, a bounded number may
 * wait (`QueueFullError` beyond), render slots of the same process claim them in order, and every
 * job keeps its event history so `events()` replays from the start.
 *
 * @module
 */

import {
  checkRequest,
  newJob,
  progressTotal,
  retryAfterSeconds,
  updateAverage,
  waitForJob,
} from "./_common.ts";
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

const serves = (models: readonly string[] | undefined, model: string) =>
  models === undefined || models.includes(model);

/**
 * The in-memory queue (both sides of the contract plus a size probe). Render pools in the same
 * process claim from it.
 *
 * @example Submit and wait
 * ```ts ignore
 * const queue = new InProcessQueue({ capacity: 8 });
 * const pool = startRenderPool({ queue, models: ["tiny-sd"], workers: 1 });
 * const job = await queue.submit(request);
 * const done = await queue.wait(job.id);
 * ```
 */
export class InProcessQueue implements JobQueue, JobSource {
  readonly #capacity: number;
  readonly #retentionMs: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry>();
  readonly #pending: Entry[] = [];
  readonly #waiters: Waiter[] = [];
  #averageMs: number | undefined;
  #running = 0;
  #closed = false;

  constructor(options: InProcessQueueOptions = {}) {
    const capacity = options.capacity ?? 32;
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(
        `Cannot create a queue as 'capacity' must be a positive integer: current value is ${capacity}`,
      );
    }
    this.#capacity = capacity;
    this.#retentionMs = options.retentionMs ?? 3_600_000;
    this.#now = options.now ?? Date.now;
  }

  submit(request: JobRequest): Promise<Job> {
    try {
      checkRequest(request);
      if (this.#closed) throw new Error("Cannot submit a job as the queue is closed");
      if (this.#pending.length >= this.#capacity) {
        const perSlot = this.#averageMs === undefined
          ? undefined
          : this.#averageMs / Math.max(1, this.#running);
        throw new QueueFullError(this.#capacity, {
          retryAfterSeconds: retryAfterSeconds(perSlot),
        });
      }
    } catch (error) {
      return Promise.reject(error);
    }
    this.#sweep();
    const entry: Entry = {
      job: newJob(crypto.randomUUID(), request, this.#now()),
      history: [],
      listeners: new Set(),
    };
    entry.history.push({ type: "queued", job: entry.job });
    this.#entries.set(entry.job.id, entry);
    this.#pending.push(entry);
    this.#dispatch();
    return Promise.resolve(entry.job);
  }

  get(id: string): Promise<Job | null> {
    return Promise.resolve(this.#entries.get(id)?.job ?? null);
  }

  cancel(id: string): Promise<boolean> {
    const entry = this.#entries.get(id);
    if (entry === undefined || isTerminal(entry.job.status)) return Promise.resolve(false);
    const index = this.#pending.indexOf(entry);
    if (index >= 0) this.#pending.splice(index, 1);
    this.#update(entry, { status: "cancelled" }, "cancelled");
    entry.controller?.abort(new JobCancelledError(id));
    return Promise.resolve(true);
  }

  async *events(id: string, watch: JobWatchOptions = {}): AsyncGenerator<JobEvent> {
    const entry = this.#entries.get(id);
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

  wait(id: string, watch: JobWatchOptions = {}): Promise<Job> {
    return waitForJob(this.events(id, watch), id, watch.signal);
  }

  claim(claim: ClaimOptions): Promise<ClaimedJob | null> {
    if (this.#closed || claim.signal.aborted) return Promise.resolve(null);
    const index = this.#pending.findIndex((e) => serves(claim.models, e.job.request.model));
    if (index >= 0) return Promise.resolve(this.#start(this.#pending.splice(index, 1)[0]!));
    return new Promise((resolve) => {
      const waiter: Waiter = {
        models: claim.models,
        resolve: (claimed) => {
          claim.signal.removeEventListener("abort", onAbort);
          resolve(claimed);
        },
      };
      const onAbort = () => {
        const at = this.#waiters.indexOf(waiter);
        if (at >= 0) this.#waiters.splice(at, 1);
        resolve(null);
      };
      claim.signal.addEventListener("abort", onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  /** Jobs waiting and running now. */
  size(): { queued: number; running: number } {
    return { queued: this.#pending.length, running: this.#running };
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    for (const waiter of this.#waiters.splice(0)) waiter.resolve(null);
    this.#pending.length = 0;
    for (const entry of this.#entries.values()) {
      if (isTerminal(entry.job.status)) continue;
      const error = { code: "queue_closed", message: "The queue was closed before the job ran" };
      this.#update(entry, { status: "cancelled", error }, "cancelled");
      entry.controller?.abort(new JobCancelledError(entry.job.id, { reason: "shut down" }));
    }
    return Promise.resolve();
  }

  #update(entry: Entry, patch: Partial<Job>, event?: JobEvent["type"]): void {
    entry.job = { ...entry.job, ...patch, updatedAt: this.#now() };
    if (event === "step") {
      entry.history.push({ type: "step", ...entry.job.progress });
    } else if (event !== undefined) {
      entry.history.push({ type: event, job: entry.job } as JobEvent);
    }
    for (const listener of [...entry.listeners]) listener();
  }

  #sweep(): void {
    const horizon = this.#now() - this.#retentionMs;
    for (const [id, entry] of this.#entries) {
      if (isTerminal(entry.job.status) && entry.job.updatedAt < horizon) {
        this.#entries.delete(id);
      }
    }
  }

  #start(entry: Entry): ClaimedJob {
    const controller = new AbortController();
    entry.controller = controller;
    entry.startedAt = this.#now();
    this.#running++;
    this.#update(
      entry,
      { status: "running", progress: { step: 0, total: progressTotal(entry.job.request) } },
      "running",
    );
    let settled = false;
    const settle = (patch: Partial<Job>, status: "succeeded" | "failed" | "queued") => {
      if (settled) return false;
      settled = true;
      this.#running--;
      if (entry.job.status !== "running") return false;
      if (status === "succeeded") {
        this.#averageMs = updateAverage(this.#averageMs, this.#now() - entry.startedAt!);
      }
      this.#update(entry, { ...patch, status }, status);
      return true;
    };
    return {
      job: entry.job,
      signal: controller.signal,
      progress: (step, total) => {
        if (!settled && entry.job.status === "running") {
          this.#update(entry, { progress: { step, total } }, "step");
        }
        return Promise.resolve();
      },
      succeed: (output: RenderOutput) =>
        Promise.resolve(settle({
          images: output.images,
          ...(output.device === undefined ? {} : { device: output.device }),
          ...(output.timings === undefined ? {} : { timings: output.timings }),
        }, "succeeded")),
      fail: (error) => Promise.resolve(settle({ error: { ...error } }, "failed")),
      release: () => {
        const total = progressTotal(entry.job.request);
        if (settle({ progress: { step: 0, total } }, "queued")) {
          this.#pending.unshift(entry);
          this.#dispatch();
        }
        return Promise.resolve();
      },
    };
  }

  #dispatch(): void {
    const waiters = this.#waiters;
    for (let w = 0; w < waiters.length; w++) {
      const waiter = waiters[w]!;
      const index = this.#pending.findIndex((e) => serves(waiter.models, e.job.request.model));
      if (index < 0) continue;
      const [entry] = this.#pending.splice(index, 1);
      waiters.splice(w--, 1);
      waiter.resolve(this.#start(entry!));
    }
  }
}

/**
 * Creates an in-memory queue (`new InProcessQueue(options)`).
 *
 * @example
 * ```ts ignore
 * const queue = createInProcessQueue({ capacity: 8 });
 * ```
 */
export function createInProcessQueue(options: InProcessQueueOptions = {}): InProcessQueue {
  return new InProcessQueue(options);
}
