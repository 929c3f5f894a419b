/**
 * The render pool: wires a queue's worker side to N render Workers. Each slot claims one job at
 * a time, streams its steps to the queue, settles it, and is replaced when its Worker crashes.
 * A failing job never takes the pool down; closing the pool gives unfinished jobs back.
 *
 * @module
 */

import { errorMessage, sleep } from "./_common.ts";
import { RenderFailure, RenderSlot } from "./_slot.ts";
import type { ClaimedJob, JobQueue, JobSource } from "./types.ts";
import { prepareNativeWebGpu } from "./vulkan.ts";

/**
 * Backend choice of the render Workers (onnxruntime-node): `auto` is CUDA when its provider files
 * are installed, then WebGPU on a GPU's Vulkan driver, then the CPU; `webgpu` by name also runs on
 * a software adapter (SwiftShader) where no GPU driver is installed.
 */
export type RenderDevice = "auto" | "cpu" | "cuda" | "webgpu";

/** Which device the Workers render on, and why faster ones were not used. */
export interface RenderingReport {
  /** The device the first Worker opened (`unknown` when it could not open one). */
  device: string;
  /** Devices tried or passed over before it, with the reason. */
  skipped: { device: string; reason: string }[];
  /** For `webgpu`: the Vulkan driver it runs on. */
  adapter?: string;
  /** Why fewer Workers run than were asked for. */
  limited?: string;
}

/**
 * Why one process runs one Worker on native WebGPU: onnxruntime-node has one Dawn device per
 * process, and two Workers driving it crash the process (seen: a segmentation fault with two
 * Workers on SwiftShader).
 */
const WEBGPU_ONE_WORKER =
  "one render Worker on webgpu, as onnxruntime-node's one WebGPU device per process cannot be " +
  "shared between Workers (run more worker processes instead)";

/** Options of {@linkcode startRenderPool}. */
export interface RenderPoolOptions {
  /**
   * A queue made by `createInProcessQueue` or `createRedisQueue`: its worker side (`claim`) is
   * used. Typed loosely so callers holding it as a plain `JobQueue` can pass it.
   */
  queue: JobSource | JobQueue;
  /** Models this pool renders (and preloads in every Worker). */
  models: string[];
  /** Render Workers, one job each at a time. */
  workers: number;
  /** Model cache directory, passed to `loadModel`. @default {the registry's default} */
  cacheDir?: string;
  /** `auto` tries CUDA, then WebGPU on a GPU, then the CPU. @default {"auto"} */
  device?: RenderDevice;
  /**
   * CPU threads each Worker's onnxruntime may use per operator. Workers rendering side by side
   * on the CPU slow each other down when each takes every core.
   * @default {the machine's cores divided among the Workers (at least 1); onnxruntime's own
   * choice with one Worker}
   */
  threadsPerWorker?: number;
  /** How long a cancelled render may take to stop before its Worker is replaced. @default {10_000} */
  cancelGraceMs?: number;
  /** Module exporting `loadModel(id, { cacheDir })`. @default {models/mod.ts} */
  modelLoader?: string | URL;
  /** The Worker script. @default {./render_worker.ts} */
  workerUrl?: string | URL;
  /** Where unexpected errors (queue unreachable, failed settles) go. @default {console.error} */
  onError?(error: unknown): void;
}

/** A running pool. */
export interface RenderPool {
  /** Jobs settled since start, by outcome. */
  readonly stats: { succeeded: number; failed: number; crashed: number; replaced: number };
  /** Resolves once every Worker opened its backend and preloaded the models (or tried). */
  readonly ready: Promise<void>;
  /** Resolves with the device of the first Worker once it is ready. */
  readonly rendering: Promise<RenderingReport>;
  /** Stops claiming, gives running jobs back to the queue and terminates the Workers. */
  close(): Promise<void>;
}

const DEVICES: Record<RenderDevice, string[]> = {
  auto: ["cuda", "webgpu", "cpu"],
  cpu: ["cpu"],
  cuda: ["cuda"],
  webgpu: ["webgpu"],
};

/** The devices to try for `device`, after preparing (or ruling out) native WebGPU. */
function devicePlan(device: RenderDevice): { devices: string[]; passed: RenderingReport } {
  if (device !== "auto" && device !== "webgpu") {
    return { devices: DEVICES[device], passed: { device: "unknown", skipped: [] } };
  }
  const webgpu = prepareNativeWebGpu({ allowSoftware: device === "webgpu" });
  if (webgpu.adapter === "hardware" || device === "webgpu") {
    return {
      devices: DEVICES[device],
      passed: { device: "unknown", skipped: [], adapter: webgpu.note },
    };
  }
  return {
    devices: DEVICES.auto.filter((d) => d !== "webgpu"),
    passed: { device: "unknown", skipped: [{ device: "webgpu", reason: webgpu.note }] },
  };
}

/**
 * One line for logs: `rendering on webgpu (Vulkan driver …); skipped cuda: …`.
 *
 * @example
 * ```ts
 * import { describeRendering } from "./pool.ts";
 * console.log(describeRendering({ device: "cpu", skipped: [{ device: "cuda", reason: "no GPU" }] }));
 * // rendering on cpu; skipped cuda: no GPU
 * ```
 */
export function describeRendering(report: RenderingReport): string {
  const adapter = report.device === "webgpu" && report.adapter ? ` (${report.adapter})` : "";
  const skipped = report.skipped.map((s) => `; skipped ${s.device}: ${s.reason}`).join("");
  const limited = report.limited ? `; ${report.limited}` : "";
  return `rendering on ${report.device}${adapter}${skipped}${limited}`;
}

/**
 * Starts `options.workers` render Workers claiming jobs from `options.queue`.
 *
 * @example One worker on the in-process queue
 * ```ts ignore
 * const queue = createInProcessQueue();
 * const pool = startRenderPool({ queue, models: ["tiny-sd"], workers: 1 });
 * // ... queue.submit(...), queue.wait(...)
 * await pool.close();
 * await queue.close();
 * ```
 */
export function startRenderPool(options: RenderPoolOptions): RenderPool {
  const { models, workers } = options;
  if (typeof (options.queue as Partial<JobSource>).claim !== "function") {
    throw new TypeError(
      "Cannot start a render pool as 'queue' has no worker side: use createInProcessQueue() or " +
        "createRedisQueue()",
    );
  }
  const queue = options.queue as JobSource;
  if (!Number.isInteger(workers) || workers < 1) {
    throw new RangeError(
      `Cannot start a render pool as 'workers' must be a positive integer: current value is ${workers}`,
    );
  }
  const device = options.device ?? "auto";
  if (!(device in DEVICES)) {
    throw new TypeError(
      `Cannot start a render pool as 'device' must be one of auto, cpu, cuda, webgpu: current value is '${device}'`,
    );
  }
  const plan = devicePlan(device);
  const threads = options.threadsPerWorker ??
    (workers > 1 ? Math.max(1, Math.floor(navigator.hardwareConcurrency / workers)) : undefined);
  if (threads !== undefined && (!Number.isInteger(threads) || threads < 1)) {
    throw new RangeError(
      `Cannot start a render pool as 'threadsPerWorker' must be a positive integer: current value is ${threads}`,
    );
  }
  const onError = options.onError ?? ((error) => console.error("render pool:", error));
  const closing = new AbortController();
  const stats = { succeeded: 0, failed: 0, crashed: 0, replaced: 0 };
  const firstReady: Promise<void>[] = [];
  const rendering = Promise.withResolvers<RenderingReport>();
  const spawn = (devices: string[]) =>
    new RenderSlot({
      workerUrl: String(options.workerUrl ?? new URL("./render_worker.ts", import.meta.url)),
      loaderUrl: String(options.modelLoader ?? new URL("../../models/mod.ts", import.meta.url)),
      devices,
      preload: [...models],
      cancelGraceMs: options.cancelGraceMs ?? 10_000,
      ...(threads === undefined ? {} : { threads }),
      ...(options.cacheDir === undefined ? {} : { cacheDir: options.cacheDir }),
    });

  async function runJob(slot: RenderSlot, claimed: ClaimedJob): Promise<void> {
    let reported = Promise.resolve();
    const onStep = (step: number, total: number) => {
      reported = reported.then(() => claimed.progress(step, total)).catch(onError);
    };
    const signal = AbortSignal.any([claimed.signal, closing.signal]);
    try {
      const output = await slot.render(claimed.job.id, claimed.job.request, { signal, onStep });
      await reported;
      if (await claimed.succeed(output)) stats.succeeded++;
    } catch (error) {
      await reported;
      if (closing.signal.aborted && !claimed.signal.aborted) {
        await claimed.release();
        return;
      }
      const failure = error instanceof RenderFailure
        ? { message: error.message, code: error.code }
        : { message: errorMessage(error), code: "render_failed" };
      if (failure.code === "worker_crashed") stats.crashed++;
      if (await claimed.fail(failure)) stats.failed++;
    }
  }

  async function runSlot(devices: string[]): Promise<void> {
    let slot = spawn(devices);
    const first = slot;
    firstReady.push(slot.ready);
    void slot.ready.then(() =>
      rendering.resolve({
        ...plan.passed,
        device: first.device,
        skipped: [...first.skipped, ...plan.passed.skipped],
        ...(first.device === "webgpu" && workers > 1 ? { limited: WEBGPU_ONE_WORKER } : {}),
      })
    );
    let deaths = 0;
    try {
      while (!closing.signal.aborted) {
        if (slot.dead) {
          // Back off when Workers keep dying (a broken install), so the pool does not spin.
          await sleep(Math.min(30_000, 100 * 2 ** deaths++), { signal: closing.signal });
          if (closing.signal.aborted) break;
          stats.replaced++;
          slot = spawn(devices);
        }
        await slot.ready;
        if (slot.dead) continue;
        let claimed: ClaimedJob | null;
        try {
          claimed = await queue.claim({ signal: closing.signal, models });
        } catch (error) {
          onError(error);
          await sleep(1000, { signal: closing.signal });
          continue;
        }
        if (claimed === null) continue;
        if (closing.signal.aborted) {
          await claimed.release();
          break;
        }
        await runJob(slot, claimed).catch(onError);
        if (!slot.dead) deaths = 0;
      }
    } finally {
      await slot.close();
    }
  }

  // Where native WebGPU may be picked, the first Worker opens its device before the others start:
  // they open the same one, unless it is WebGPU, which one Worker per process must have to
  // itself. Elsewhere (cpu, cuda) all Workers start at once.
  const staggered = plan.devices.includes("webgpu");
  const running = [runSlot(plan.devices)];
  if (!staggered) { for (let i = 1; i < workers; i++) running.push(runSlot(plan.devices)); }
  const started = staggered
    ? rendering.promise.then((report) => {
      const more = report.limited || closing.signal.aborted ? 0 : workers - 1;
      const devices = report.device === "unknown" ? plan.devices : [report.device];
      for (let i = 0; i < more; i++) running.push(runSlot(devices));
    })
    : Promise.resolve();
  const ready = started.then(() => Promise.all(firstReady)).then(() => {});
  return {
    stats,
    ready,
    rendering: rendering.promise,
    async close() {
      closing.abort();
      await Promise.allSettled(running);
    },
  };
}
