/**
 * The render Worker script (a Deno Worker, one per pool slot): opens an onnxruntime-node backend,
 * keeps one loaded pipeline per model it has served, and renders one job at a time, posting every
 * step. Cancellation arrives as a message or, while the thread is busy, through a shared flag read
 * after each step; either aborts the pipeline's signal, so it stops within one step.
 *
 * @module
 */

import type { Backend, Device } from "../../shared/ort/mod.ts";
import { createBackend } from "../../shared/ort/mod.ts";
import { nodeRuntime } from "../../shared/ort/node.ts";
import { type LoadedPipeline, loadPipeline } from "../../shared/pipeline/mod.ts";
import type { ModelManifest } from "../../shared/manifest.ts";
import type { FromWorker, ToWorker } from "./_protocol.ts";
import { renderRequest } from "./render.ts";

interface ModelLoader {
  loadModel(
    id: string,
    options: { cacheDir?: string },
  ): Promise<{ manifest: ModelManifest; readFile(path: string): Promise<Uint8Array> }>;
}

interface WorkerScope {
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
  close(): void;
}

const scope = globalThis as unknown as WorkerScope;
let init: Extract<ToWorker, { type: "init" }> | undefined;
let loader: Promise<ModelLoader> | undefined;
let backend: Promise<Backend> | undefined;
let cancelFlag: Int32Array<ArrayBufferLike> = new Int32Array(1);
const pipelines = new Map<string, Promise<LoadedPipeline>>();
let current: { jobId: string; controller: AbortController } | undefined;

function openBackend(): Promise<Backend> {
  backend ??= createBackend({
    devices: (init?.devices ?? ["cpu"]) as Device[],
    runtimes: [nodeRuntime(init?.threads === undefined ? {} : { intraOpNumThreads: init.threads })],
  });
  return backend;
}

function pipelineFor(model: string): Promise<LoadedPipeline> {
  let pipeline = pipelines.get(model);
  if (pipeline === undefined) {
    pipeline = (async () => {
      const { loadModel } = await (loader ??= import(init!.loaderUrl) as Promise<ModelLoader>);
      const local = await loadModel(
        model,
        init?.cacheDir === undefined ? {} : { cacheDir: init.cacheDir },
      );
      return await loadPipeline(local.manifest, {
        backend: await openBackend(),
        readFile: local.readFile,
      });
    })();
    // A failed load is retried by the next job rather than remembered.
    pipeline.catch(() => pipelines.delete(model));
    pipelines.set(model, pipeline);
  }
  return pipeline;
}

function errorCode(error: unknown): string {
  const name = error instanceof Error ? error.name : "";
  if (name === "ModelNotFoundError") return "model_not_found";
  if (name === "ModelIntegrityError") return "model_corrupt";
  if (name === "BackendUnavailableError") return "backend_unavailable";
  if (error instanceof TypeError || error instanceof RangeError) return "invalid_request";
  return "render_failed";
}

async function render(message: Extract<ToWorker, { type: "render" }>): Promise<void> {
  const controller = new AbortController();
  current = { jobId: message.jobId, controller };
  try {
    const pipeline = await pipelineFor(message.request.model);
    controller.signal.throwIfAborted();
    const output = await renderRequest(pipeline, message.request, {
      signal: controller.signal,
      onStep(step, total) {
        scope.postMessage({ type: "step", jobId: message.jobId, step, total });
        if (Atomics.load(cancelFlag, 0) === 1) controller.abort();
      },
    });
    scope.postMessage({
      type: "done",
      jobId: message.jobId,
      images: output.images,
      device: output.device ?? pipeline.device,
      timings: output.timings ?? {},
    }, output.images.map((png) => png.buffer as ArrayBuffer));
  } catch (error) {
    const cancelled = controller.signal.aborted;
    scope.postMessage({
      type: "error",
      jobId: message.jobId,
      error: {
        message: cancelled
          ? "The job was cancelled"
          : (error instanceof Error ? error.message : String(error)),
        code: cancelled ? "cancelled" : errorCode(error),
        cancelled,
      },
    });
  } finally {
    current = undefined;
  }
}

async function close(): Promise<void> {
  const loaded = await Promise.allSettled(pipelines.values());
  for (const result of loaded) if (result.status === "fulfilled") await result.value.dispose();
  const opened = await backend?.catch(() => undefined);
  await opened?.dispose();
  scope.postMessage({ type: "closed" });
  scope.close();
}

scope.onmessage = (event) => {
  const message = event.data;
  switch (message.type) {
    case "init":
      init = message;
      cancelFlag = new Int32Array(message.cancelFlag);
      void Promise.all([openBackend(), ...message.preload.map(pipelineFor)]).then(
        ([opened]) =>
          scope.postMessage({
            type: "ready",
            device: opened.device,
            skipped: opened.attempts.map(({ device, reason }) => ({ device, reason })),
          }),
        // Preloading is a warm-up: the error reaches the first job that needs the model.
        () => scope.postMessage({ type: "ready", device: "unknown" }),
      );
      break;
    case "render":
      void render(message);
      break;
    case "cancel":
      if (current?.jobId === message.jobId) current.controller.abort();
      break;
    case "close":
      void close();
      break;
  }
};
