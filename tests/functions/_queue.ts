/**
 * A small in-process JobQueue for the edge tests (the worker engineer's queue replaces it in
 * production): runs one job at a time through a render function, streams events, cancels through
 * an AbortSignal and refuses work beyond `capacity` with a `QueueFullError`.
 */
import type { GenerationRequest, Job, JobEvent, JobQueue } from "../../functions/services/jobs.ts";

/** Renders one request; reports steps; throws the signal's reason when cancelled. */
export type RenderFunction = (
  request: GenerationRequest,
  options: { signal: AbortSignal; onStep(step: number, total: number): void },
) => Promise<{ images: Uint8Array[]; device?: string }>;

/** Thrown by `submit` when the queue is full. */
export class QueueFullError extends Error {
  retryAfterSeconds: number;
  constructor(retryAfterSeconds: number) {
    super("queue full");
    this.name = "QueueFullError";
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

interface Entry {
  job: Job;
  abort: AbortController;
  history: JobEvent[];
  listeners: Set<() => void>;
}

/** Builds the test queue. */
export function createTestQueue(
  render: RenderFunction,
  options: { capacity?: number } = {},
): JobQueue & { submitted: GenerationRequest[] } {
  const capacity = options.capacity ?? 16;
  const entries = new Map<string, Entry>();
  const pending: Entry[] = [];
  const submitted: GenerationRequest[] = [];
  let running = false;

  const emit = (entry: Entry, event: JobEvent) => {
    entry.history.push(event);
    for (const listener of entry.listeners) listener();
  };
  const finish = (entry: Entry, status: "succeeded" | "failed" | "cancelled") => {
    entry.job = { ...entry.job, status, updatedAt: Date.now() };
    emit(entry, { type: status, job: entry.job } as JobEvent);
  };

  async function pump() {
    if (running) return;
    running = true;
    while (pending.length > 0) {
      const entry = pending.shift()!;
      if (entry.job.status !== "queued") continue;
      entry.job = { ...entry.job, status: "running", updatedAt: Date.now() };
      emit(entry, { type: "running", job: entry.job });
      try {
        const result = await render(entry.job.request, {
          signal: entry.abort.signal,
          onStep: (step, total) => {
            entry.job = { ...entry.job, progress: { step, total } };
            emit(entry, { type: "step", step, total });
          },
        });
        if (entry.abort.signal.aborted) {
          if (entry.job.status !== "cancelled") finish(entry, "cancelled");
          continue;
        }
        entry.job = {
          ...entry.job,
          images: result.images,
          ...(result.device ? { device: result.device } : {}),
        };
        finish(entry, "succeeded");
      } catch (error) {
        if (entry.abort.signal.aborted) {
          if (entry.job.status !== "cancelled") finish(entry, "cancelled");
        } else {
          entry.job = {
            ...entry.job,
            error: {
              message: error instanceof Error ? error.message : String(error),
              code: "render_failed",
            },
          };
          finish(entry, "failed");
        }
      }
    }
    running = false;
  }

  const terminal = (s: Job["status"]) => s === "succeeded" || s === "failed" || s === "cancelled";

  const queue = {
    submitted,
    submit(request: GenerationRequest) {
      if (pending.length >= capacity) return Promise.reject(new QueueFullError(7));
      submitted.push(request);
      const now = Date.now();
      const job: Job = {
        id: crypto.randomUUID(),
        request,
        status: "queued",
        progress: { step: 0, total: request.steps },
        createdAt: now,
        updatedAt: now,
      };
      const entry: Entry = { job, abort: new AbortController(), history: [], listeners: new Set() };
      entries.set(job.id, entry);
      emit(entry, { type: "queued", job });
      pending.push(entry);
      queueMicrotask(pump);
      return Promise.resolve(job);
    },
    get: (id: string) => Promise.resolve(entries.get(id)?.job ?? null),
    cancel(id: string) {
      const entry = entries.get(id);
      if (entry === undefined || terminal(entry.job.status)) return Promise.resolve(false);
      entry.abort.abort(new DOMException("cancelled", "AbortError"));
      finish(entry, "cancelled");
      return Promise.resolve(true);
    },
    async *events(id: string, opts: { signal?: AbortSignal } = {}): AsyncIterable<JobEvent> {
      const entry = entries.get(id);
      if (entry === undefined) return;
      let index = 0;
      while (!opts.signal?.aborted) {
        while (index < entry.history.length) {
          const event = entry.history[index++]!;
          yield event;
          if (event.type !== "step" && terminal(event.job.status)) return;
        }
        await new Promise<void>((resolve) => {
          const wake = () => {
            entry.listeners.delete(wake);
            opts.signal?.removeEventListener("abort", wake);
            resolve();
          };
          entry.listeners.add(wake);
          opts.signal?.addEventListener("abort", wake);
        });
      }
    },
    async wait(id: string, opts: { signal?: AbortSignal } = {}) {
      for await (const event of queue.events(id, opts)) {
        if (event.type !== "step" && terminal(event.job.status)) return event.job;
      }
      opts.signal?.throwIfAborted();
      throw new Error(`unknown job ${id}`);
    },
    close: () => Promise.resolve(),
  };
  return queue;
}
