/**
 * Helpers both queue implementations share: request checks, new job snapshots, the Retry-After
 * estimate, `wait()` on top of `events()`, and abortable sleeps.
 *
 * @module
 */

import { stepsForStrength } from "../../shared/schedulers/strength.ts";
import { isTerminal, type Job, type JobEvent, type JobRequest } from "./types.ts";

/** Throws a `TypeError`/`RangeError` when `request` cannot be rendered. */
export function checkRequest(request: JobRequest): void {
  if (typeof request !== "object" || request === null) {
    throw new TypeError("Cannot submit a job as 'request' must be an object");
  }
  if (typeof request.model !== "string" || request.model.length === 0) {
    throw new TypeError(
      `Cannot submit a job as 'model' must be a non-empty string: current value is '${request.model}'`,
    );
  }
  if (typeof request.prompt !== "string") {
    throw new TypeError("Cannot submit a job as 'prompt' must be a string");
  }
  if (!/^\d+$/.test(String(request.seed))) {
    throw new TypeError(
      `Cannot submit a job as 'seed' must be a decimal string: current value is '${request.seed}'`,
    );
  }
  for (const name of ["steps", "width", "height", "batchSize"] as const) {
    const value = request[name];
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(
        `Cannot submit a job as '${name}' must be a positive integer: current value is ${value}`,
      );
    }
  }
}

/** The steps `request`'s progress counts: all of them, or what its strength leaves. */
export function progressTotal(request: JobRequest): number {
  return stepsForStrength(request.steps, request.strength);
}

/** A fresh `queued` job for `request`. */
export function newJob(id: string, request: JobRequest, now: number): Job {
  return {
    id,
    request: { ...request },
    status: "queued",
    progress: { step: 0, total: progressTotal(request) },
    createdAt: now,
    updatedAt: now,
  };
}

/** Seconds until a slot is likely free: about one average job, in [1, 600]; 5 without data. */
export function retryAfterSeconds(averageJobMs: number | undefined): number {
  if (averageJobMs === undefined || !Number.isFinite(averageJobMs)) return 5;
  return Math.min(600, Math.max(1, Math.ceil(averageJobMs / 1000)));
}

/** Exponential moving average of job durations. */
export function updateAverage(average: number | undefined, sample: number): number {
  return average === undefined ? sample : average * 0.8 + sample * 0.2;
}

/** `JobQueue.wait` on top of `events`. */
export async function waitForJob(
  events: AsyncIterable<JobEvent>,
  id: string,
  signal: AbortSignal | undefined,
): Promise<Job> {
  for await (const event of events) {
    if (event.type !== "step" && isTerminal(event.job.status)) return event.job;
  }
  signal?.throwIfAborted();
  throw new Error(`Cannot wait for job '${id}' as it is unknown or has expired`);
}

/** Resolves after `ms`, or early when `signal` aborts or `wake` is called. */
export function sleep(
  ms: number,
  options: { signal?: AbortSignal | undefined; wake?: (resume: () => void) => void } = {},
): Promise<void> {
  return new Promise((resolve) => {
    if (options.signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    options.signal?.addEventListener("abort", done, { once: true });
    options.wake?.(done);
  });
}

/** A short, readable error message of anything thrown. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
