/**
 * One pool slot: a render Worker and the bookkeeping around it (initialisation, one render at a
 * time, cancellation with a grace period, crash detection). A crashed or stuck Worker marks the
 * slot dead; the pool then replaces it.
 *
 * @module
 */

import type { FromWorker, ToWorker } from "./_protocol.ts";
import type { JobRequest, RenderOutput } from "./types.ts";

/** Why a render did not produce images. */
export class RenderFailure extends Error {
  readonly code: string;
  readonly cancelled: boolean;
  constructor(message: string, options: { code: string; cancelled?: boolean }) {
    super(message);
    this.name = "RenderFailure";
    this.code = options.code;
    this.cancelled = options.cancelled ?? false;
  }
}

/** Options of {@linkcode RenderSlot}. */
export interface RenderSlotOptions {
  workerUrl: string;
  loaderUrl: string;
  cacheDir?: string;
  threads?: number;
  devices: string[];
  preload: string[];
  /** How long a cancelled render may take to stop before its Worker is terminated. */
  cancelGraceMs: number;
}

interface Pending {
  jobId: string;
  onStep(step: number, total: number): void;
  resolve(output: RenderOutput): void;
  reject(error: RenderFailure): void;
}

/** A render Worker with one job at a time. */
export class RenderSlot {
  /** Resolves once the Worker opened its backend and preloaded its models (or tried). */
  readonly ready: Promise<void>;
  #worker: Worker;
  #flag = new Int32Array(new SharedArrayBuffer(4));
  #pending: Pending | undefined;
  #dead = false;
  #device = "unknown";
  #skipped: { device: string; reason: string }[] = [];
  #closed: PromiseWithResolvers<void> = Promise.withResolvers();
  #options: RenderSlotOptions;

  constructor(options: RenderSlotOptions) {
    this.#options = options;
    const ready = Promise.withResolvers<void>();
    this.ready = ready.promise;
    this.#worker = new Worker(options.workerUrl, { type: "module" });
    this.#worker.onmessage = (event: MessageEvent<FromWorker>) => {
      const message = event.data;
      if (message.type === "ready") {
        this.#device = message.device;
        this.#skipped = message.skipped ?? [];
        ready.resolve();
      } else if (message.type === "closed") {
        this.#closed.resolve();
      } else if (this.#pending?.jobId === message.jobId) {
        const pending = this.#pending;
        if (message.type === "step") {
          pending.onStep(message.step, message.total);
        } else if (message.type === "done") {
          this.#pending = undefined;
          pending.resolve({
            images: message.images,
            device: message.device,
            timings: message.timings,
          });
        } else {
          this.#pending = undefined;
          pending.reject(new RenderFailure(message.error.message, message.error));
        }
      }
    };
    const crash = (event: Event) => {
      // Keep the error from tearing down the host process: the slot is replaced instead.
      event.preventDefault();
      const reason = event instanceof ErrorEvent ? event.message : event.type;
      this.#kill(
        new RenderFailure(`The render worker crashed: ${reason}`, {
          code: "worker_crashed",
        }),
      );
      ready.resolve();
    };
    this.#worker.onerror = crash;
    this.#worker.onmessageerror = crash;
    const init: ToWorker = {
      type: "init",
      loaderUrl: options.loaderUrl,
      devices: options.devices,
      preload: options.preload,
      cancelFlag: this.#flag.buffer as SharedArrayBuffer,
      ...(options.cacheDir === undefined ? {} : { cacheDir: options.cacheDir }),
      ...(options.threads === undefined ? {} : { threads: options.threads }),
    };
    this.#worker.postMessage(init);
  }

  /** Whether the Worker crashed or was terminated. */
  get dead(): boolean {
    return this.#dead;
  }

  /** The device the Worker's backend opened. */
  get device(): string {
    return this.#device;
  }

  /** Devices the Worker tried before {@linkcode device}, and why each failed. */
  get skipped(): readonly { device: string; reason: string }[] {
    return this.#skipped;
  }

  /** Renders one request; rejects with a {@linkcode RenderFailure}. */
  render(
    jobId: string,
    request: JobRequest,
    options: { signal: AbortSignal; onStep(step: number, total: number): void },
  ): Promise<RenderOutput> {
    if (this.#dead) {
      return Promise.reject(
        new RenderFailure("The render worker is gone", { code: "worker_gone" }),
      );
    }
    if (this.#pending !== undefined) throw new Error("RenderSlot renders one job at a time");
    const { promise, resolve, reject } = Promise.withResolvers<RenderOutput>();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const onAbort = () => {
      Atomics.store(this.#flag, 0, 1);
      this.#worker.postMessage({ type: "cancel", jobId } satisfies ToWorker);
      timer = setTimeout(() => {
        this.#kill(
          new RenderFailure("The render did not stop in time", {
            code: "cancelled",
            cancelled: true,
          }),
        );
      }, this.#options.cancelGraceMs);
    };
    const cleanup = () => {
      clearTimeout(timer);
      options.signal.removeEventListener("abort", onAbort);
    };
    this.#pending = {
      jobId,
      onStep: options.onStep,
      resolve: (output) => (cleanup(), resolve(output)),
      reject: (error) => (cleanup(), reject(error)),
    };
    Atomics.store(this.#flag, 0, 0);
    this.#worker.postMessage({ type: "render", jobId, request } satisfies ToWorker);
    if (options.signal.aborted) onAbort();
    else options.signal.addEventListener("abort", onAbort, { once: true });
    return promise;
  }

  /** Asks the Worker to release its sessions, then terminates it. */
  async close(options: { timeoutMs?: number } = {}): Promise<void> {
    if (this.#dead) return;
    this.#worker.postMessage({ type: "close" } satisfies ToWorker);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((r) => timer = setTimeout(r, options.timeoutMs ?? 5000));
    await Promise.race([this.#closed.promise, timeout]);
    clearTimeout(timer);
    this.#kill(new RenderFailure("The render worker was closed", { code: "worker_closed" }));
  }

  #kill(error: RenderFailure): void {
    if (this.#dead) return;
    this.#dead = true;
    this.#worker.terminate();
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.reject(error);
  }
}
