/**
 * The reference ONNX export in `../shared/fixtures/models/tiny-sd-reference/` as a `ModelManifest`
 * plus helpers to open it on a backend, and session wrappers that count runs or pretend a fixed
 * batch. Test-only.
 */

import type { ModelManifest, TensorSpec } from "../../../shared/manifest.ts";
import {
  type Backend,
  createBackend,
  type Device,
  type ModelSession,
  type OrtRuntime,
} from "../../../shared/ort/mod.ts";
import { type LoadedPipeline, loadPipeline } from "../../../shared/pipeline/mod.ts";
import { fixturePath, readFixtureBytes, readFixtureJson } from "../../_fixtures.ts";

const ROOT = "models/tiny-sd-reference";

/** Reads a file of the reference export by its path relative to the model root. */
export function readReferenceFile(path: string): Promise<Uint8Array> {
  return readFixtureBytes(`${ROOT}/${path}`);
}

async function sums(): Promise<Map<string, string>> {
  const text = await Deno.readTextFile(fixturePath(`${ROOT}/SHA256SUMS`));
  return new Map(
    text.trim().split("\n").map((line) => {
      const [sha, path] = line.split(/\s+/);
      return [path!, sha!];
    }),
  );
}

const spec = (name: string, dtype: TensorSpec["dtype"], shape: TensorSpec["shape"]) => ({
  name,
  dtype,
  shape,
});

/** The manifest of the reference export (the e2e recipe's defaults). */
export async function referenceManifest(): Promise<ModelManifest> {
  const sha = await sums();
  const file = async (path: string) => ({
    path,
    bytes: (await Deno.stat(fixturePath(`${ROOT}/${path}`))).size,
    sha256: sha.get(path) ?? "",
  });
  return {
    id: "tiny-sd-reference",
    family: "sd1",
    license: "MIT",
    components: {
      text_encoder: {
        model: await file("text_encoder/model.onnx"),
        inputs: [spec("input_ids", "int32", ["batch", "sequence"])],
        outputs: [spec("last_hidden_state", "float32", ["batch", "sequence", 32])],
      },
      unet: {
        model: await file("unet/model.onnx"),
        inputs: [
          spec("sample", "float32", ["batch", 4, "height", "width"]),
          spec("timestep", "int64", ["batch"]),
          spec("encoder_hidden_states", "float32", ["batch", "sequence", 32]),
        ],
        outputs: [spec("out_sample", "float32", ["batch", 4, "height", "width"])],
      },
      vae_decoder: {
        model: await file("vae_decoder/model.onnx"),
        inputs: [spec("latent_sample", "float32", ["batch", 4, "latent_height", "latent_width"])],
        outputs: [spec("sample", "float32", ["batch", 3, "height", "width"])],
      },
    },
    tokenizer: {
      vocab: await file("tokenizer/vocab.json"),
      merges: await file("tokenizer/merges.txt"),
      maxLength: 77,
    },
    embeddingDim: 32,
    latentChannels: 4,
    scalingFactor: 0.18215,
    vaeScaleFactor: 8,
    defaults: { steps: 10, guidanceScale: 7.5, width: 64, height: 64, scheduler: "PNDMScheduler" },
    schedulerConfig: await readFixtureJson(`${ROOT}/scheduler/scheduler_config.json`),
  };
}

/**
 * The reference model loaded on the first working device of `devices` (of `runtimes`, by default
 * onnxruntime-web then onnxruntime-node).
 */
export async function openReference(
  devices: readonly Device[],
  runtimes?: readonly OrtRuntime[],
): Promise<{ backend: Backend; pipeline: LoadedPipeline; dispose(): Promise<void> }> {
  const backend = await createBackend({ devices, ...(runtimes ? { runtimes } : {}) });
  const pipeline = await loadPipeline(await referenceManifest(), {
    backend,
    readFile: readReferenceFile,
  });
  return {
    backend,
    pipeline,
    async dispose() {
      await pipeline.dispose();
      await backend.dispose();
    },
  };
}

/** Records of the runs a {@linkcode spySession} saw. */
export interface RunLog {
  /** First-axis size of each run's first input. */
  batches: number[];
  /** Input names fed as device tensors, per run. */
  deviceFeeds: string[][];
}

/**
 * Wraps a session to log its runs, optionally pretending the first axis of every input and
 * output is fixed to `fixedBatch` (the batch must then really be that size), and optionally
 * calling `beforeRun(index)` first.
 */
export function spySession(
  session: ModelSession,
  options: { fixedBatch?: number; beforeRun?: (index: number) => void } = {},
): { session: ModelSession; log: RunLog } {
  const log: RunLog = { batches: [], deviceFeeds: [] };
  const fix = (specs: readonly TensorSpec[]) =>
    options.fixedBatch === undefined
      ? specs
      : specs.map((s) =>
        s.shape.length === 0 ? s : { ...s, shape: [options.fixedBatch!, ...s.shape.slice(1)] }
      );
  const wrapped: ModelSession = {
    device: session.device,
    inputs: fix(session.inputs),
    outputs: fix(session.outputs),
    run(feeds, runOptions) {
      options.beforeRun?.(log.batches.length);
      const first = feeds[session.inputs[0]!.name];
      log.batches.push(first?.dims[0] ?? 0);
      log.deviceFeeds.push(
        Object.entries(feeds).filter(([, v]) => "kind" in v).map(([k]) => k),
      );
      if (options.fixedBatch !== undefined && first?.dims[0] !== options.fixedBatch) {
        return Promise.reject(new RangeError(`fixed batch ${options.fixedBatch} violated`));
      }
      return session.run(feeds, runOptions);
    },
    createDeviceTensor: (name, value) => session.createDeviceTensor(name, value),
    release: () => session.release(),
  };
  return { session: wrapped, log };
}

/** Largest absolute difference of two equally long arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`lengths differ: ${a.length} vs ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}
