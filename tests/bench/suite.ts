/**
 * `deno task bench`: the benchmark suite. Measures, on every tensor backend that opens here
 * (onnxruntime-node `cpu`, or `cuda` with `--device cuda`; onnxruntime-web wasm with one thread;
 * onnxruntime-web WebGPU on Deno's adapter), the machine's MatMul limit, the networks of the
 * embedded tiny model and of full-size SD 1.5 with random weights, the pipeline end to end, the
 * default toy-shapes model's prompt adherence (32 prompts × 2 seeds, scored from the pixels), the
 * edge's `/v1/encode` over HTTP, render worker throughput, peak memory, float16 variants and
 * profiles of the UNet step. Writes `bench/results.json` (see `bench/README.md`) and prints a
 * markdown table. `--quick` is the CI subset (toy-size models only, under two minutes).
 *
 * ```
 * deno task bench                 # full suite, ~15 minutes on 2 cores
 * deno task bench --quick --out /tmp/results.json
 * deno task bench --only limit,networks --device cuda
 * deno task bench --device webgpu  # the GPU suite (_suite_gpu.ts)
 * ```
 */

import { dirname } from "node:path";
import { type BackendName, openBackends } from "./_suite_backends.ts";
import { parseSuiteArgs, type Section, type SuiteArgs, USAGE } from "./_suite_args.ts";
import { SuiteContext } from "./_suite_context.ts";
import { measureBundles, measureEdgeEncode } from "./_suite_edge.ts";
import { measureAdherence } from "./_suite_adherence.ts";
import { measureFusedAttention } from "./_suite_attention.ts";
import { type GpuSuiteResult, runGpuSuite } from "./_suite_gpu.ts";
import { measureFloat16 } from "./_suite_fp16.ts";
import { measureLimits } from "./_suite_limit.ts";
import { configureSettle } from "./_suite_load.ts";
import { machineInfo, versionInfo } from "./_suite_machine.ts";
import { measureMemory } from "./_suite_memory.ts";
import { measureNetworks, recordBuilds } from "./_suite_networks.ts";
import { measureTextToImage, measureTokenizer } from "./_suite_pipeline.ts";
import { measureImageToImage } from "./_suite_img2img.ts";
import { measureProfiles, measureWebGpuFullSize, type ProfileRecord } from "./_suite_profile.ts";
import { markdownReport } from "./_suite_report.ts";
import { measureWorkers } from "./_suite_worker.ts";

/** Sections that only measure the server backend (onnxruntime-node `cpu`/`cuda`). */
const SERVER_ONLY: readonly Section[] = [
  "adherence",
  "edge",
  "worker",
  "memory",
  "fp16",
  "attention",
];

const RUNNERS: Record<Section, (ctx: SuiteContext) => Promise<void>> = {
  limit: measureLimits,
  builds: recordBuilds,
  tokenizer: measureTokenizer,
  networks: measureNetworks,
  pipeline: measureTextToImage,
  adherence: measureAdherence,
  img2img: measureImageToImage,
  edge: measureEdgeEncode,
  bundles: measureBundles,
  worker: measureWorkers,
  memory: measureMemory,
  fp16: measureFloat16,
  attention: measureFusedAttention,
  profile: measureProfiles,
  "webgpu-full": measureWebGpuFullSize,
};

/** Results format version of `bench/results.json`. */
export const RESULTS_SCHEMA = "sd-edge-bench/1";

function gpuDescription(device: string, opened: boolean, adapter: string | undefined): string {
  let nvidia = false;
  try {
    Deno.statSync("/dev/nvidia0");
    nvidia = true;
  } catch {
    // no NVIDIA device node: no CUDA-capable GPU here
  }
  const hint = nvidia && device === "cpu" ? " (an NVIDIA GPU is present: try --device cuda)" : "";
  const server = !opened
    ? `onnxruntime-node ${device} did not open`
    : `onnxruntime-node on ${device === "cuda" ? "CUDA" : "the CPU"}${hint}`;
  const gpu = nvidia ? "NVIDIA device present" : "no GPU (no /dev/nvidia0)";
  return `${gpu}; server figures: ${server}; WebGPU adapter: ${adapter ?? "none"}`;
}

/** `--device webgpu`: the GPU suite, written (after every figure too) to `args.out`. */
async function gpuMain(args: SuiteArgs, log: (line: string) => void): Promise<number> {
  // The GPU figures depend little on the CPU's neighbours: wait at most a second for quiet.
  configureSettle({ maxMs: 1_000 });
  const started = performance.now();
  log(`GPU benchmark suite (${args.mode}): native WebGPU and onnxruntime-web`);
  await Deno.mkdir(dirname(args.out), { recursive: true });
  const versions = await versionInfo();
  const write = async (gpu: GpuSuiteResult, done: boolean) => {
    const results = {
      schema: RESULTS_SCHEMA,
      mode: args.mode,
      complete: done,
      durationMs: Math.round(performance.now() - started),
      machine: machineInfo(gpu.adapter),
      versions,
      options: { device: args.device, cacheDir: args.cacheDir },
      sizes: gpu.sizes,
      limitsTflops: gpu.limits,
      figures: gpu.figures,
      skipped: gpu.skipped,
      profiles: gpu.profiles,
    };
    await Deno.writeTextFile(args.out, `${JSON.stringify(results, null, 2)}\n`);
    return results;
  };
  const gpu = await runGpuSuite({
    quick: args.mode === "quick",
    cacheDir: args.cacheDir,
    log,
    webBudgetMs: Number(Deno.env.get("SD_BENCH_WEB_BUDGET_MS") ?? Infinity),
    onProgress: (partial) => write(partial, false).then(() => {}),
  });
  const results = await write(gpu, true);
  const sized = gpu.sizes.size === "sd15" ? "SD 1.5 sizes" : "small sizes";
  const header = `## GPU benchmarks (${args.mode}, ${sized}, ${versions.date.slice(0, 10)})\n\n` +
    `${results.machine.cpu}, ${results.machine.cores} cores; ${gpu.adapter}. Deno ` +
    `${versions.deno}, onnxruntime-node ${versions.onnxruntimeNode}, onnxruntime-web ` +
    `${versions.onnxruntimeWeb}.`;
  console.log(markdownReport({ ...gpu, header }));
  log(`wrote ${args.out} in ${(results.durationMs / 1000).toFixed(0)} s`);
  return 0;
}

async function main(argv: readonly string[]): Promise<number> {
  const args = parseSuiteArgs(argv);
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  // Mesa's software Vulkan (the WebGPU adapter) complains on every adapter request without it.
  if (Deno.env.get("XDG_RUNTIME_DIR") === undefined) Deno.env.set("XDG_RUNTIME_DIR", "/tmp");
  // Each measurement waits for a quiet machine first; CI's quick run cannot wait long.
  configureSettle({ maxMs: args.mode === "quick" ? 1_000 : 5_000 });
  const started = performance.now();
  const log = (line: string) => console.error(line);
  if (args.device === "webgpu") return await gpuMain(args, log);
  log(`benchmark suite (${args.mode}): ${args.sections.join(", ")}`);
  const names: BackendName[] = [args.device, "wasm", "webgpu"];
  const { open, statuses, skipped } = await openBackends(names);
  for (const s of statuses) {
    log(`  backend ${s.name} (${s.runtime}): ${s.available ? "open" : `unavailable: ${s.reason}`}`);
  }
  const ctx = new SuiteContext({
    mode: args.mode,
    device: args.device,
    cacheDir: args.cacheDir,
    backends: open,
    log,
  });
  ctx.skipped.push(...skipped);
  const serverDown = statuses.find((s) => s.name === args.device && !s.available);
  for (const section of args.sections) {
    log(`${section}:`);
    const start = performance.now();
    if (serverDown && SERVER_ONLY.includes(section)) {
      ctx.skip(
        `section.${section}`,
        `the ${args.device} backend did not open: ${serverDown.reason}`,
      );
      continue;
    }
    try {
      await RUNNERS[section](ctx);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      ctx.skip(`section.${section}`, `failed: ${reason.split("\n")[0]}`);
    }
    log(`  (${((performance.now() - start) / 1000).toFixed(1)} s)`);
  }
  await ctx.finish();
  await Promise.all(open.map((b) => b.backend.dispose()));
  const adapter = statuses.find((s) => s.name === "webgpu")?.adapter;
  const { profiles = {}, ...extra } = ctx.extra as { profiles?: Record<string, ProfileRecord> };
  const results = {
    schema: RESULTS_SCHEMA,
    mode: args.mode,
    durationMs: Math.round(performance.now() - started),
    machine: machineInfo(gpuDescription(args.device, serverDown === undefined, adapter)),
    versions: await versionInfo(),
    options: { device: args.device, sections: args.sections, cacheDir: args.cacheDir },
    backends: statuses,
    limits: Object.fromEntries(ctx.limits),
    figures: ctx.figures,
    skipped: ctx.skipped,
    profiles,
    ...extra,
  };
  await Deno.mkdir(dirname(args.out), { recursive: true });
  await Deno.writeTextFile(args.out, `${JSON.stringify(results, null, 2)}\n`);
  const machine = results.machine;
  const header = `## Benchmarks (${args.mode}, ${results.versions.date.slice(0, 10)})\n\n` +
    `${machine.cpu}, ${machine.cores} cores, ${(machine.memoryBytes / 2 ** 30).toFixed(0)} GiB, ` +
    `${machine.os}; ${machine.gpu}. Deno ${results.versions.deno}, onnxruntime-node ` +
    `${results.versions.onnxruntimeNode}, onnxruntime-web ${results.versions.onnxruntimeWeb}.`;
  console.log(markdownReport({ figures: ctx.figures, skipped: ctx.skipped, profiles, header }));
  log(`wrote ${args.out} in ${(results.durationMs / 1000).toFixed(0)} s`);
  return 0;
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (error) {
    console.error(error instanceof TypeError ? `${error.message}\n\n${USAGE}` : error);
    Deno.exit(2);
  }
}
