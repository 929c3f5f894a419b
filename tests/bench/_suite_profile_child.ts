/**
 * Child process that runs one network with onnxruntime's own profiler on. The suite measures
 * through `shared/ort`, whose sessions do not expose `enableProfiling`, so this child (and only
 * it) opens onnxruntime directly: onnxruntime-node writes its trace to a file, which the child
 * aggregates; onnxruntime-web prints its trace to stdout at `endProfiling()`, which the parent
 * reads from the child's output. Setting `env.wasm.numThreads` here touches a separate
 * process's onnxruntime, never the project's.
 *
 * `deno run -A tests/bench/_suite_profile_child.ts '{"args":{"target":"cpu",...}}'`
 */

import type * as Ort from "onnxruntime-common";
import { childArgs, reportResult } from "./_suite_child.ts";
import {
  type Component,
  ensureRandomNetwork,
  inputShapes,
  type ModelSize,
  networkFeeds,
} from "./_suite_models.ts";
import { aggregateTrace, type ProfileBreakdown, type TraceEvent } from "./_suite_profile_trace.ts";

/** What the parent asks the child to profile. */
export interface ProfileArgs {
  /** `webgpu` is onnxruntime-web; `webgpu-native` onnxruntime-node's WebGPU provider. */
  target: "cpu" | "cuda" | "webgpu" | "webgpu-native";
  size: ModelSize;
  component: Component;
  latent: number;
  cacheDir: string;
  weightDType?: "float32" | "float16";
  /** The fused-attention variant of the network. @default {false} */
  fusedAttention?: boolean;
  /** Unprofiled-in-the-breakdown runs first (their events are dropped). */
  warmup: number;
  runs: number;
  /** @default {"all"} */
  graphOptimizationLevel?: "disabled" | "basic" | "extended" | "all";
}

/** The child's answer; for WebGPU the breakdown is built by the parent from stdout. */
export interface ProfileChildResult {
  loadMs: number;
  /** Wall time of every run, warm-up included, in order. */
  runMs: number[];
  breakdown?: ProfileBreakdown;
}

function toOrtFeeds(ort: typeof Ort, shapes: Record<string, number[]>) {
  const feeds: Record<string, Ort.Tensor> = {};
  for (const [name, value] of Object.entries(networkFeeds(shapes))) {
    const type = value.data instanceof BigInt64Array
      ? "int64"
      : value.data instanceof Int32Array
      ? "int32"
      : "float32";
    feeds[name] = new ort.Tensor(type, value.data, value.dims);
  }
  return feeds;
}

async function run(args: ProfileArgs): Promise<ProfileChildResult> {
  const files = await ensureRandomNetwork(args.size, args.component, {
    cacheDir: args.cacheDir,
    ...(args.weightDType ? { weightDType: args.weightDType } : {}),
    ...(args.fusedAttention ? { fusedAttention: true } : {}),
  });
  const web = args.target === "webgpu";
  const ort =
    (web
      ? await import("onnxruntime-web/webgpu")
      : await import("onnxruntime-node")) as unknown as typeof Ort;
  if (web) ort.env.wasm.numThreads = 1; // Deno refuses onnxruntime-web's blob: workers
  const profileDir = await Deno.makeTempDir({ prefix: "sd-bench-profile-" });
  const options: Ort.InferenceSession.SessionOptions = {
    executionProviders: [args.target === "webgpu-native" ? "webgpu" : args.target],
    graphOptimizationLevel: args.graphOptimizationLevel ?? "all",
    enableProfiling: true,
    profileFilePrefix: `${profileDir}/profile`,
    logSeverityLevel: 3,
  };
  const loadStart = performance.now();
  let session: Ort.InferenceSession;
  if (web) {
    const model = await Deno.readFile(files.modelPath);
    const external = files.dataPath
      ? { externalData: [{ path: "model.onnx_data", data: await Deno.readFile(files.dataPath) }] }
      : {};
    session = await ort.InferenceSession.create(model, { ...options, ...external });
  } else {
    session = await ort.InferenceSession.create(files.modelPath, options);
  }
  const loadMs = performance.now() - loadStart;
  const feeds = toOrtFeeds(ort, await inputShapes(args.size, args.component, args.latent));
  const runMs: number[] = [];
  for (let i = 0; i < args.warmup + args.runs; i++) {
    const start = performance.now();
    await session.run(feeds);
    runMs.push(performance.now() - start);
  }
  await session.endProfiling();
  await session.release();
  let breakdown: ProfileBreakdown | undefined;
  if (!web) {
    const events: TraceEvent[] = [];
    for await (const entry of Deno.readDir(profileDir)) {
      events.push(...JSON.parse(await Deno.readTextFile(`${profileDir}/${entry.name}`)));
    }
    breakdown = aggregateTrace(events, { skipRuns: args.warmup });
  }
  await Deno.remove(profileDir, { recursive: true });
  return { loadMs, runMs, ...(breakdown ? { breakdown } : {}) };
}

if (import.meta.main) reportResult(await run(childArgs<ProfileArgs>()));
