/**
 * The job-queue contract shared by the HTTP layer and the render workers: jobs, their events, the
 * client side (`JobQueue`: submit, get, cancel, events, wait) and the worker side (`JobSource`:
 * claim a job, report progress, settle it). Both queue implementations satisfy both sides.
 *
 * @module
 */

import type { GenerationParams } from "../../shared/generation/mod.ts";

/** Lifecycle of a job. `succeeded`, `failed` and `cancelled` are final. */
export type JobStatus = "queued" | "running" | "succeeded" | "failed" | "cancelled";

/**
 * What a job renders: the resolved `GenerationParams` (seed a decimal string, never random at
 * this point) and the id of the API key that submitted it (set by the HTTP layer).
 */
export type JobRequest = GenerationParams & { owner?: string };

/** A queued, running or finished job: an immutable snapshot. */
export interface Job {
  id: string;
  request: JobRequest;
  status: JobStatus;
  progress: { step: number; total: number };
  /** Milliseconds since the epoch. */
  createdAt: number;
  updatedAt: number;
  /** PNG bytes, each with an AUTOMATIC1111 `parameters` chunk; set when succeeded. */
  images?: Uint8Array[];
  /** Why the job failed (or was cancelled by shutdown). */
  error?: { message: string; code: string };
  /** The device that rendered it (`cpu`, `cuda`). */
  device?: string;
  /** Milliseconds per pipeline stage. */
  timings?: Record<string, number>;
}

/** Progress of a job, in order; the stream ends after a final status. */
export type JobEvent =
  | { type: "queued"; job: Job }
  | { type: "running"; job: Job }
  | { type: "step"; step: number; total: number }
  | { type: "succeeded"; job: Job }
  | { type: "failed"; job: Job }
  | { type: "cancelled"; job: Job };

/** Options of {@linkcode JobQueue.events} and {@linkcode JobQueue.wait}. */
export interface JobWatchOptions {
  /** Stops watching (the job itself goes on). */
  signal?: AbortSignal;
}

/** The client side of a queue: what the HTTP layer uses. */
export interface JobQueue {
  /** Queues a request. Throws a `QueueFullError` when at capacity. */
  submit(request: JobRequest): Promise<Job>;
  /** The job, or `null` when unknown (or expired). */
  get(id: string): Promise<Job | null>;
  /** Cancels a queued or running job; `false` when unknown or already finished. */
  cancel(id: string): Promise<boolean>;
  /** Every event of the job from the start, then live ones; ends after a final status. */
  events(id: string, options?: JobWatchOptions): AsyncIterable<JobEvent>;
  /** Resolves with the job once final; rejects with the signal's reason when aborted. */
  wait(id: string, options?: JobWatchOptions): Promise<Job>;
  /** Releases the queue's resources (timers, connections). */
  close(): Promise<void>;
}

/** What a render produced. */
export interface RenderOutput {
  /** PNG bytes. */
  images: Uint8Array[];
  device?: string;
  timings?: Record<string, number>;
}

/** A job claimed by a worker: report progress, then settle it exactly once. */
export interface ClaimedJob {
  /** The job as claimed (status `running`). */
  readonly job: Job;
  /**
   * Aborted when the job is cancelled, or when this worker lost its claim (another worker
   * reclaimed the job): rendering should stop.
   */
  readonly signal: AbortSignal;
  /** Records step `step` of `total`; resolves once stored. */
  progress(step: number, total: number): Promise<void>;
  /** Marks the job succeeded; `false` when it was cancelled or the claim was lost meanwhile. */
  succeed(output: RenderOutput): Promise<boolean>;
  /** Marks the job failed; `false` when it was cancelled or the claim was lost meanwhile. */
  fail(error: { message: string; code: string }): Promise<boolean>;
  /** Gives the job back unfinished (the worker is shutting down); it runs again elsewhere. */
  release(): Promise<void>;
}

/** Options of {@linkcode JobSource.claim}. */
export interface ClaimOptions {
  /** Stops waiting; `claim` then resolves `null`. */
  signal: AbortSignal;
  /** Models this worker renders. @default {every model} */
  models?: readonly string[];
}

/** The worker side of a queue: what a render pool consumes. */
export interface JobSource {
  /** Waits for the next job; `null` when the signal aborts or the queue closes. */
  claim(options: ClaimOptions): Promise<ClaimedJob | null>;
}

/**
 * Whether `status` is final.
 *
 * @example Usage
 * ```ts
 * import { isTerminal } from "./types.ts";
 * console.log(isTerminal("running")); // false
 * ```
 */
export function isTerminal(status: JobStatus): boolean {
  return status === "succeeded" || status === "failed" || status === "cancelled";
}
