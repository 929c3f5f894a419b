/**
 * Errors of the job queues that callers are expected to catch: a full queue (the HTTP layer
 * answers 503 with `Retry-After`) and a cancelled job.
 *
 * @module
 */

/**
 * Thrown by `JobQueue.submit` when the queue holds `capacity` waiting jobs.
 *
 * @example Answering 503 with Retry-After
 * ```ts
 * import { QueueFullError } from "./errors.ts";
 * const error = new QueueFullError(32, { retryAfterSeconds: 4 });
 * console.log(error.retryAfterSeconds); // 4
 * ```
 */
export class QueueFullError extends Error {
  /** Seconds after which a retry is likely to be accepted. */
  readonly retryAfterSeconds: number;
  /** The capacity that was reached. */
  readonly capacity: number;

  constructor(capacity: number, options: { retryAfterSeconds: number }) {
    super(
      `Cannot submit a job as the queue is full: ${capacity} jobs are waiting, ` +
        `retry in ${options.retryAfterSeconds}s`,
    );
    this.name = "QueueFullError";
    this.capacity = capacity;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/**
 * The abort reason a render sees when its job is cancelled.
 *
 * @example Usage
 * ```ts
 * import { JobCancelledError } from "./errors.ts";
 * const controller = new AbortController();
 * controller.abort(new JobCancelledError("job-1"));
 * ```
 */
export class JobCancelledError extends Error {
  /** The cancelled job. */
  readonly jobId: string;

  constructor(jobId: string, options: { reason?: string } = {}) {
    super(`Job '${jobId}' was ${options.reason ?? "cancelled"}`);
    this.name = "JobCancelledError";
    this.jobId = jobId;
  }
}
