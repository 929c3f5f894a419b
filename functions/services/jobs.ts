/**
 * The render-job queue as the HTTP layer sees it: a structural copy of the contract exported by
 * `functions/worker/mod.ts` (owned by the worker engineer), so routes type-check against the
 * interface while the implementation is injected from `main.ts`. Any queue that satisfies the
 * worker's contract satisfies these types.
 *
 * @module
 */

/** Lifecycle of a job. */
export type JobStatus = "queued" | "running" | "succeeded" | "failed" | "cancelled";

/** A generation request, resolved and validated by the HTTP layer before it is queued. */
export interface GenerationRequest {
  model: string;
  prompt: string;
  negativePrompt: string;
  steps: number;
  guidanceScale: number;
  /** Decimal seed, resolved (never random) before enqueue. */
  seed: string;
  width: number;
  height: number;
  batchSize: number;
  scheduler: string;
  /** Id of the API key that submitted the job (an addition of the HTTP layer). */
  owner?: string;
}

/** A queued or finished job. */
export interface Job {
  id: string;
  request: GenerationRequest;
  status: JobStatus;
  progress: { step: number; total: number };
  createdAt: number;
  updatedAt: number;
  /** PNG bytes, with a parameters chunk. */
  images?: Uint8Array[];
  error?: { message: string; code: string };
  device?: string;
  timings?: Record<string, number>;
}

/** Progress of a job, as streamed by {@linkcode JobQueue.events}. */
export type JobEvent =
  | { type: "queued"; job: Job }
  | { type: "running"; job: Job }
  | { type: "step"; step: number; total: number }
  | { type: "succeeded"; job: Job }
  | { type: "failed"; job: Job }
  | { type: "cancelled"; job: Job };

/** The queue the routes submit to. `submit` throws a `QueueFullError` when at capacity. */
export interface JobQueue {
  submit(request: GenerationRequest): Promise<Job>;
  get(id: string): Promise<Job | null>;
  cancel(id: string): Promise<boolean>;
  events(id: string, options?: { signal?: AbortSignal }): AsyncIterable<JobEvent>;
  wait(id: string, options?: { signal?: AbortSignal }): Promise<Job>;
  close(): Promise<void>;
}

/** Whether a status is final. */
export function isTerminal(status: JobStatus): boolean {
  return status === "succeeded" || status === "failed" || status === "cancelled";
}
