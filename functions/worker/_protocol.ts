/**
 * Messages between the render pool (main thread) and a render Worker.
 *
 * @module
 */

import type { JobRequest } from "./types.ts";

/** Pool → Worker. */
export type ToWorker =
  | {
    type: "init";
    /** Module exporting `loadModel(id, { cacheDir })` (`models/mod.ts` by default). */
    loaderUrl: string;
    cacheDir?: string;
    /** Backend devices in order of preference. */
    devices: string[];
    /** CPU threads per operator in this Worker; onnxruntime's default when absent. */
    threads?: number;
    /** Models to load right away. */
    preload: string[];
    /** One Int32 per Worker: set to 1 to cancel the running render (seen at the next step). */
    cancelFlag: SharedArrayBuffer;
  }
  | { type: "render"; jobId: string; request: JobRequest }
  | { type: "cancel"; jobId: string }
  | { type: "close" };

/** Worker → pool. */
export type FromWorker =
  | {
    type: "ready";
    device: string;
    /** Devices tried before it and why each failed. */
    skipped?: { device: string; reason: string }[];
  }
  | { type: "step"; jobId: string; step: number; total: number }
  | {
    type: "done";
    jobId: string;
    images: Uint8Array[];
    device: string;
    timings: Record<string, number>;
  }
  | { type: "error"; jobId: string; error: { message: string; code: string; cancelled: boolean } }
  | { type: "closed" };
