/**
 * `deno task bench --device webgpu`: the GPU path, onnxruntime-node's native WebGPU provider and
 * onnxruntime-web's WebGPU backend side by side. On a GPU (a hardware Vulkan driver) it measures
 * full size: the MatMul limit (float16 and float32, 4096³), the SD 1.5 UNet step at 64×64 latents
 * batch 2, the VAE decode at 512², 25 Euler steps + decode end to end, and the load time of the
 * three networks; without one it runs the same sections small (tiny model, 512³) on SwiftShader to
 * validate the script. Every network figure carries its graph's FLOPs, hence TFLOP/s and % of the
 * limit of its dtype on its runtime. Native variants (NHWC layout, validation off, float32) are
 * each measured before one is called better.
 */

import { type Backend, createBackend, type ModelSession } from "../../shared/ort/mod.ts";
import { nodeRuntime, type NodeWebGpuOptions } from "../../shared/ort/node.ts";
import { webRuntime } from "../../shared/ort/web.ts";
import { textToImage } from "../../shared/pipeline/mod.ts";
import { prepareNativeWebGpu } from "../../functions/worker/vulkan.ts";
import { loadNetwork } from "./_suite_backends.ts";
import { runChild } from "./_suite_child.ts";
import { measureGroupNormForms } from "./_suite_gpu_groupnorm.ts";
import { matmulModel } from "./_suite_limit.ts";
import {
  type CachedNetwork,
  type Component,
  embeddingDim,
  ensureRandomNetwork,
  inputShapes,
  type ModelSize,
  networkFeeds,
  networkFlops,
} from "./_suite_models.ts";
import type { ProfileArgs, ProfileChildResult } from "./_suite_profile_child.ts";
import type { ProfileRecord } from "./_suite_profile.ts";
import { type Figure, figure, type Skipped, timeRepeats } from "./_suite_stats.ts";

/** Sizes of one run: full on a GPU, small on a software adapter or with `--quick`. */
export interface GpuSizes {
  size: ModelSize;
  matmul: number;
  /** Chained MatMuls per run, so that the upload and read-back of one n×n are amortised. */
  chain: number;
  latent: number;
  steps: number;
  repeats: number;
}

const FULL: GpuSizes = {
  size: "sd15",
  matmul: 4096,
  chain: 16,
  latent: 64,
  steps: 25,
  repeats: 10,
};
const SMALL: GpuSizes = { size: "tiny", matmul: 512, chain: 4, latent: 8, steps: 4, repeats: 3 };

type Dtype = "float16" | "float32";

/** A WebGPU backend of the run: a runtime plus, for the native one, its provider settings. */
interface GpuBackend {
  /** Figure backend name, e.g. `webgpu-native` or `webgpu-native-nhwc`. */
  name: string;
  runtime: "onnxruntime-node" | "onnxruntime-web";
  backend: Backend;
  /** Run the networks built with GroupNorm as two ReduceMeans. */
  reduceMeanGroupNorm?: boolean;
}

/** What the GPU suite gives back to `suite.ts`. */
export interface GpuSuiteResult {
  figures: Figure[];
  skipped: Skipped[];
  profiles: Record<string, ProfileRecord>;
  adapter: string;
  sizes: GpuSizes;
  /** Best TFLOP/s per `<backend>.<dtype>`. */
  limits: Record<string, number>;
}

/** Options of {@linkcode runGpuSuite}. */
export interface GpuSuiteOptions {
  quick: boolean;
  cacheDir: string;
  log: (line: string) => void;
  /** Stop starting onnxruntime-web sections after this many ms (it loads slowly). */
  webBudgetMs?: number;
  /** Compare every network output with onnxruntime-node's CPU. @default {true} */
  cpuCheck?: boolean;
  /** Called after every figure, to save partial results. */
  onProgress?: (partial: GpuSuiteResult) => Promise<void> | void;
}

/** Native variants: provider settings, or (`rmgn`) the networks with GroupNorm as ReduceMeans. */
const NATIVE_VARIANTS: Record<string, { provider: NodeWebGpuOptions; rmgn?: boolean }> = {
  "webgpu-native": { provider: {} },
  "webgpu-native-nhwc": { provider: { preferredLayout: "NHWC" } },
  "webgpu-native-novalidate": { provider: { validationMode: "disabled" } },
  "webgpu-native-rmgn": { provider: {}, rmgn: true },
};

async function open(
  name: string,
  variant?: { provider: NodeWebGpuOptions; rmgn?: boolean },
): Promise<GpuBackend> {
  const native = variant !== undefined;
  const runtime = native
    ? nodeRuntime({ webgpu: variant.provider })
    : webRuntime({ numThreads: 1 });
  const backend = await createBackend({ devices: ["webgpu"], runtimes: [runtime] });
  return {
    name,
    runtime: native ? "onnxruntime-node" : "onnxruntime-web",
    backend,
    ...(variant?.rmgn ? { reduceMeanGroupNorm: true } : {}),
  };
}

function networkFiles(
  size: ModelSize,
  component: Component,
  cacheDir: string,
  dtype: Dtype,
  reduceMeanGroupNorm = false,
): Promise<CachedNetwork> {
  // float16 is the browser layout (`convert --fp16`): float16 compute, fused attention.
  const fp16 = dtype === "float16" && component !== "text_encoder";
  return ensureRandomNetwork(size, component, {
    cacheDir,
    ...(fp16 ? { weightDType: "float16" as const, fusedAttention: true } : {}),
    ...(reduceMeanGroupNorm && component !== "text_encoder" ? { reduceMeanGroupNorm } : {}),
  });
}

/** The shared state of one run. */
class GpuRun {
  readonly result: GpuSuiteResult;
  readonly options: GpuSuiteOptions;
  readonly started = performance.now();
  /** The last output of every network figure, by figure id, for the check against the CPU. */
  readonly outputs = new Map<string, { component: Component; data: Float32Array }>();

  constructor(options: GpuSuiteOptions, adapter: string, sizes: GpuSizes) {
    this.options = options;
    this.result = { figures: [], skipped: [], profiles: {}, adapter, sizes, limits: {} };
  }

  async add(input: Parameters<typeof figure>[0], samples: number[], limitKey?: string) {
    const f = figure(input, samples);
    // Native variants share the native provider's MatMul kernel, hence its limit.
    const key = limitKey?.replace(/^webgpu-native[^.]*/, "webgpu-native");
    const limit = key ? this.result.limits[key] : undefined;
    if (f.gflops && limit) f.percentOfLimit = Math.round(f.gflops.median / limit / 10) / 100;
    this.result.figures.push(f);
    const tflops = f.gflops ? `, ${(f.gflops.median / 1000).toFixed(2)} TFLOP/s` : "";
    const pct = f.percentOfLimit !== undefined ? ` (${f.percentOfLimit}% of limit)` : "";
    this.options.log(
      `  ${f.label} [${f.backend}]: median ${f.median.toFixed(1)} ${f.unit}${tflops}${pct}`,
    );
    await this.options.onProgress?.(this.result);
  }

  skip(id: string, error: unknown) {
    const reason = (error instanceof Error ? error.message : String(error)).split("\n")[0]!;
    this.result.skipped.push({ id, reason });
    this.options.log(`  skipped ${id}: ${reason}`);
  }
}

/** A MatMul chain of `chain` n×n products with weights scaled to keep the values' magnitude. */
async function measureMatmul(run: GpuRun, bench: GpuBackend, dtype: Dtype) {
  const { matmul: n, chain, repeats } = run.result.sizes;
  const id = `limit.matmul.${dtype}.${bench.name}`;
  let session: ModelSession | undefined;
  try {
    session = await bench.backend.createSession(matmulModel(n, { dtype, chain }));
    const x = {
      data: Float32Array.from({ length: n * n }, (_, i) => Math.sin(i) / 2),
      dims: [n, n],
    };
    const s = session;
    const timed = await timeRepeats(() => s.run({ x }), { warmup: 2, repeats: repeats * 2 });
    const flops = 2 * n ** 3 * chain;
    run.result.limits[`${bench.name}.${dtype}`] = flops / Math.min(...timed.samples) / 1e9;
    await run.add({
      id,
      label: `MatMul ${n}³ ${dtype} ×${chain} chained (limit: best run)`,
      group: "limit",
      backend: bench.name,
      unit: "ms",
      flops,
      details: { n, chain, runtime: bench.runtime },
    }, timed.samples);
  } catch (error) {
    run.skip(id, error);
  } finally {
    await session?.release();
  }
}

/**
 * One network at the run's latent size on each of `benches`: load time and run time. The runs
 * of the backends alternate (one each per round), so a busy neighbour slows them alike.
 */
async function measureNetwork(
  run: GpuRun,
  benches: readonly GpuBackend[],
  component: "unet" | "vae_decoder",
  dtype: Dtype,
) {
  const { size, latent, repeats } = run.result.sizes;
  const id = (bench: GpuBackend) => `${component}.${size}.${latent}.${dtype}.${bench.name}`;
  const loaded: {
    bench: GpuBackend;
    session: ModelSession;
    loadMs: number;
    files: CachedNetwork;
  }[] = [];
  try {
    const feeds = networkFeeds(await inputShapes(size, component, latent));
    for (const bench of benches) {
      try {
        const { cacheDir } = run.options;
        const rmgn = bench.reduceMeanGroupNorm ?? false;
        const files = await networkFiles(size, component, cacheDir, dtype, rmgn);
        const loadStart = performance.now();
        const session = await loadNetwork(bench, files);
        loaded.push({ bench, session, loadMs: performance.now() - loadStart, files });
      } catch (error) {
        run.skip(id(bench), error);
      }
    }
    const samples = loaded.map(() => [] as number[]);
    const last: Float32Array[] = [];
    const round = async () => {
      for (const [i, { session }] of loaded.entries()) {
        const start = performance.now();
        last[i] = Object.values(await session.run(feeds))[0]?.data as Float32Array;
        samples[i]!.push(performance.now() - start);
      }
    };
    await timeRepeats(round, { warmup: 2, repeats });
    const label = component === "unet" ? "UNet step, batch 2 (CFG)" : "VAE decode";
    const flops = await networkFlops(size, component, latent);
    for (const [i, { bench, loadMs, files }] of loaded.entries()) {
      run.outputs.set(id(bench), { component, data: last[i]! });
      await run.add(
        {
          id: id(bench),
          label: `${size === "sd15" ? "SD 1.5" : "tiny"} ${label} ${latent}² latent ` +
            `(${latent * 8}²) ${dtype}${dtype === "float16" ? " fused attention" : ""}`,
          group: component,
          backend: bench.name,
          unit: "ms",
          flops,
          details: {
            loadMs: Math.round(loadMs),
            bytes: files.bytes,
            runtime: bench.runtime,
            interleavedWith: loaded.filter((l) => l.bench !== bench).map((l) => l.bench.name),
          },
        },
        samples[i]!.slice(-repeats),
        `${bench.name}.${dtype}`,
      );
    }
  } catch (error) {
    for (const bench of benches) run.skip(id(bench), error);
  } finally {
    await Promise.all(loaded.map((l) => l.session.release()));
  }
}

/** Loads text encoder, UNet and VAE decoder, one after the other or all at once. */
async function measureLoad(run: GpuRun, bench: GpuBackend, dtype: Dtype, parallel: boolean) {
  const { size } = run.result.sizes;
  const id = `load.${size}.${dtype}.${parallel ? "parallel" : "sequential"}.${bench.name}`;
  const sessions: ModelSession[] = [];
  try {
    const components = ["text_encoder", "unet", "vae_decoder"] as const;
    const files = await Promise.all(
      components.map((c) => networkFiles(size, c, run.options.cacheDir, dtype)),
    );
    const target = bench;
    const start = performance.now();
    if (parallel) sessions.push(...await Promise.all(files.map((f) => loadNetwork(target, f))));
    else for (const f of files) sessions.push(await loadNetwork(target, f));
    const ms = performance.now() - start;
    await run.add({
      id,
      label: `load text encoder + UNet + VAE (${size}, ${dtype}), ` +
        `${parallel ? "in parallel" : "one after the other"}, warm file cache`,
      group: "load",
      backend: bench.name,
      unit: "ms",
      details: { bytes: files.reduce((sum, f) => sum + f.bytes, 0) },
    }, [ms]);
  } catch (error) {
    run.skip(id, error);
  } finally {
    await Promise.all(sessions.map((s) => s.release()));
  }
}

/** 25 Euler steps with guidance and the VAE decode through the shared pipeline. */
async function measureEndToEnd(run: GpuRun, bench: GpuBackend, dtype: Dtype) {
  const { size, latent, steps } = run.result.sizes;
  const id = `pipeline.${size}.${latent}.${steps}.${dtype}.${bench.name}`;
  const sessions: ModelSession[] = [];
  try {
    const target = bench;
    const [unet, vaeDecoder] = await Promise.all(
      (["unet", "vae_decoder"] as const).map(async (c) =>
        loadNetwork(target, await networkFiles(size, c, run.options.cacheDir, dtype))
      ),
    );
    sessions.push(unet!, vaeDecoder!);
    const dim = await embeddingDim(size);
    const values = () => Float32Array.from({ length: 77 * dim }, (_, i) => Math.cos(i) / 2);
    const schedulerConfig = JSON.parse(
      await Deno.readTextFile(
        new URL("../../models/configs/tiny-sd/scheduler_config.json", import.meta.url),
      ),
    );
    const generate = () =>
      textToImage({
        embeddings: { cond: values(), uncond: values(), shape: [1, 77, dim] },
        scheduler: "euler",
        schedulerConfig,
        steps,
        guidanceScale: 7.5,
        seed: 42,
        width: latent * 8,
        height: latent * 8,
      }, { unet: unet!, vaeDecoder: vaeDecoder!, scalingFactor: 0.18215 });
    const timed = await timeRepeats(generate, { warmup: 1, repeats: run.options.quick ? 1 : 3 });
    const flops = steps * await networkFlops(size, "unet", latent) +
      await networkFlops(size, "vae_decoder", latent);
    await run.add(
      {
        id,
        label: `${steps} Euler steps (CFG) + VAE decode, ${latent * 8}², ${dtype}`,
        group: "pipeline",
        backend: bench.name,
        unit: "ms",
        flops,
      },
      timed.samples,
      `${bench.name}.${dtype}`,
    );
  } catch (error) {
    run.skip(id, error);
  } finally {
    await Promise.all(sessions.map((s) => s.release()));
  }
}

function relativeL2(a: Float32Array, b: Float32Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num += (a[i]! - b[i]!) ** 2;
    den += b[i]! ** 2;
  }
  return Math.sqrt(num / den);
}

/**
 * Every network output measured above against onnxruntime-node's CPU on the same inputs (float32
 * network): relative L2 error, NaN when the output has non-finite values.
 */
async function checkAgainstCpu(run: GpuRun) {
  const { size, latent } = run.result.sizes;
  const cpu = await createBackend({ devices: ["cpu"], runtimes: [nodeRuntime()] });
  try {
    for (const component of ["unet", "vae_decoder"] as const) {
      const measured = [...run.outputs].filter(([, o]) => o.component === component);
      if (measured.length === 0) continue;
      const files = await networkFiles(size, component, run.options.cacheDir, "float32");
      const session = await loadNetwork({ runtime: "onnxruntime-node", backend: cpu }, files);
      const feeds = networkFeeds(await inputShapes(size, component, latent));
      const reference = Object.values(await session.run(feeds))[0]!.data as Float32Array;
      await session.release();
      for (const [id, output] of measured) {
        const error = output.data.every(Number.isFinite) ? relativeL2(output.data, reference) : NaN;
        await run.add({
          id: `error.${id}`,
          label: `${id}: relative L2 error vs onnxruntime-node CPU float32`,
          group: "correctness",
          backend: id.split(".").at(-1)!,
          unit: "ratio",
        }, [error]);
      }
    }
  } catch (error) {
    run.skip("error.cpu", error);
  } finally {
    await cpu.dispose();
  }
}

/** onnxruntime's profile of one UNet step on the native provider, per op (GPU timestamps). */
async function profileNative(run: GpuRun, dtype: Dtype) {
  const { size, latent } = run.result.sizes;
  const id = `profile.native.${size}.unet.${latent}.${dtype}`;
  try {
    const args: ProfileArgs = {
      target: "webgpu-native",
      size,
      component: "unet",
      latent,
      cacheDir: run.options.cacheDir,
      ...(dtype === "float16" ? { weightDType: "float16", fusedAttention: true } : {}),
      warmup: 2,
      runs: run.options.quick ? 1 : 3,
    };
    const { result } = await runChild<ProfileChildResult>("_suite_profile_child.ts", args, {
      timeoutMs: 300_000,
    });
    if (!result.breakdown) throw new Error("the profile child gave no breakdown");
    run.result.profiles[id] = {
      target: "webgpu-native",
      network: `${size} unet ${latent}×${latent} latent ${dtype}`,
      loadMs: Math.round(result.loadMs),
      wallMs: result.runMs.map(Math.round),
      ...result.breakdown,
    };
    const top = (result.breakdown.gpuByOp ?? result.breakdown.byOp).slice(0, 6)
      .map((o) => `${o.op} ${o.percent}%`).join(", ");
    run.options.log(`  profile native ${dtype}: ${top}`);
    await run.options.onProgress?.(run.result);
  } catch (error) {
    run.skip(id, error);
  }
}

/** The GroupNorm probe's shape: the UNet's first block at the run's latent size. */
function groupNormSize(sizes: GpuSizes) {
  const channels = sizes.size === "sd15" ? 320 : 128;
  const edge = sizes.size === "sd15" ? sizes.latent : 16;
  return { dims: [2, channels, edge, edge] as const, groups: 32, repeats: sizes.repeats };
}

async function webAdapter(): Promise<string> {
  const gpu = (navigator as { gpu?: GPU }).gpu;
  const adapter = await gpu?.requestAdapter().catch(() => null);
  if (!adapter) return "none";
  const f16 = adapter.features.has("shader-f16") ? "shader-f16" : "no shader-f16";
  return `${adapter.info.description || adapter.info.vendor || "unnamed"} (${f16})`;
}

/**
 * Runs the GPU sections. Native variants first (they are what the render worker uses), then
 * onnxruntime-web while `webBudgetMs` lasts.
 */
export async function runGpuSuite(options: GpuSuiteOptions): Promise<GpuSuiteResult> {
  const plan = prepareNativeWebGpu({ allowSoftware: true });
  const sizes = plan.adapter === "hardware" && !options.quick ? FULL : SMALL;
  const web = await webAdapter();
  const run = new GpuRun(options, `native: ${plan.note}; onnxruntime-web: ${web}`, sizes);
  options.log(`  adapters: ${run.result.adapter}; sizes ${JSON.stringify(sizes)}`);
  // float16 needs shader-f16; SwiftShader has none, so software runs measure float32 only.
  const dtypes: Dtype[] = plan.adapter === "hardware" ? ["float16", "float32"] : ["float32"];
  if (plan.adapter !== "hardware") {
    run.skip("float16", "the software adapter has no float16 shaders");
  }
  const natives: GpuBackend[] = [];
  for (const [name, settings] of Object.entries(NATIVE_VARIANTS)) {
    try {
      natives.push(await open(name, settings));
    } catch (error) {
      run.skip(`backend.${name}`, error);
    }
  }
  const [base] = natives;
  // The provider settings change how graphs are laid out, not the MatMul kernel: one limit each.
  if (base) { for (const dtype of dtypes) await measureMatmul(run, base, dtype); }
  // The variants side by side in the first dtype (float16 on a GPU), the base alone in the rest.
  if (base) await measureNetwork(run, natives, "unet", dtypes[0]!);
  if (base) {
    for (const dtype of dtypes.slice(1)) {
      await measureNetwork(run, [base], "unet", dtype);
    }
  }
  if (base) {
    for (const dtype of dtypes) await measureNetwork(run, [base], "vae_decoder", dtype);
    for (const parallel of [false, true]) await measureLoad(run, base, dtypes[0]!, parallel);
    await measureEndToEnd(run, base, dtypes[0]!);
    await profileNative(run, dtypes[0]!);
    await measureGroupNormForms(run, base, groupNormSize(sizes));
  }
  const budget = options.webBudgetMs ?? Infinity;
  let webBench: GpuBackend | undefined;
  try {
    webBench = await open("webgpu-web");
  } catch (error) {
    run.skip("backend.webgpu-web", error);
  }
  if (webBench) {
    const steps: [string, () => Promise<void>][] = [
      ...dtypes.map((d) =>
        [`limit ${d}`, () => measureMatmul(run, webBench, d)] as [string, () => Promise<void>]
      ),
      ["unet", () => measureNetwork(run, [webBench], "unet", dtypes[0]!)],
      ["vae", () => measureNetwork(run, [webBench], "vae_decoder", dtypes[0]!)],
      ["groupnorm", () => measureGroupNormForms(run, webBench, groupNormSize(sizes))],
      ["load", () => measureLoad(run, webBench, dtypes[0]!, false)],
      ["pipeline", () => measureEndToEnd(run, webBench, dtypes[0]!)],
    ];
    for (const [name, step] of steps) {
      if (performance.now() - run.started > budget) {
        run.skip(`webgpu-web.${name}`, `left out: the run passed its ${budget / 1000} s budget`);
        continue;
      }
      await step();
    }
  }
  if (options.cpuCheck !== false) await checkAgainstCpu(run);
  await webBench?.backend.dispose();
  await Promise.all(natives.map((n) => n.backend.dispose()));
  return run.result;
}
