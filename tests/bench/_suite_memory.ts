/**
 * Peak resident memory of a generation, measured in a fresh subprocess: load the UNet and the
 * VAE decoder, run one UNet step (batch 2) and one decode, read VmHWM from /proc/self/status, then
 * release every session and the backend and read VmRSS again to see how much memory came back.
 * Full mode uses the full-size SD 1.5 networks at 64×64 latents (512² images); `--quick` the tiny
 * model.
 *
 * Child: `deno run -A tests/bench/_suite_memory.ts '{"args":{"size":"sd15","latent":64,...}}'`.
 */

import { loadModel } from "../../models/mod.ts";
import { loadNetwork, openBackend } from "./_suite_backends.ts";
import { childArgs, reportResult, residentMemory, runChild } from "./_suite_child.ts";
import type { SuiteContext } from "./_suite_context.ts";
import {
  type Component,
  ensureFullSizeNetwork,
  inputShapes,
  type ModelSize,
  networkFeeds,
} from "./_suite_models.ts";
import { figure } from "./_suite_stats.ts";

interface MemoryArgs {
  size: ModelSize;
  latent: number;
  device: "cpu" | "cuda";
  cacheDir: string;
}

interface MemoryResult {
  baselineBytes: number;
  afterLoadBytes: number;
  peakBytes: number;
  afterRunBytes: number;
  afterDisposeBytes: number;
  runMs: number;
}

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const settle = () => new Promise((resolve) => setTimeout(resolve, 500));

async function files(args: MemoryArgs, component: Component) {
  if (args.size === "sd15") return await ensureFullSizeNetwork(component, args);
  const model = await loadModel("tiny-sd");
  return { modelPath: `${model.root}/${model.manifest.components[component]!.model.path}` };
}

async function child(args: MemoryArgs): Promise<MemoryResult> {
  const unetFiles = await files(args, "unet");
  const vaeFiles = await files(args, "vae_decoder");
  gc();
  await settle();
  const baselineBytes = residentMemory().rssBytes;
  const bench = await openBackend(args.device);
  const unet = await loadNetwork(bench, unetFiles);
  const vae = await loadNetwork(bench, vaeFiles);
  const afterLoadBytes = residentMemory().rssBytes;
  const start = performance.now();
  await unet.run(networkFeeds(await inputShapes(args.size, "unet", args.latent)));
  await vae.run(networkFeeds(await inputShapes(args.size, "vae_decoder", args.latent)));
  const runMs = performance.now() - start;
  const { rssBytes: afterRunBytes, peakBytes } = residentMemory();
  await unet.release();
  await vae.release();
  await bench.backend.dispose();
  gc();
  await settle();
  const afterDisposeBytes = residentMemory().rssBytes;
  return { baselineBytes, afterLoadBytes, peakBytes, afterRunBytes, afterDisposeBytes, runMs };
}

if (import.meta.main) reportResult(await child(childArgs<MemoryArgs>()));

/** Peak memory of one UNet step + VAE decode in a subprocess, and what dispose gives back. */
export async function measureMemory(ctx: SuiteContext): Promise<void> {
  const size: ModelSize = ctx.quick ? "tiny" : "sd15";
  const latent = size === "tiny" ? 8 : 64;
  if (size === "sd15") {
    // Build (or find) the networks here, so the child's peak is the generation alone.
    await ensureFullSizeNetwork("unet", { cacheDir: ctx.cacheDir });
    await ensureFullSizeNetwork("vae_decoder", { cacheDir: ctx.cacheDir });
  }
  const args: MemoryArgs = { size, latent, device: ctx.device, cacheDir: ctx.cacheDir };
  const { result } = await runChild<MemoryResult>("_suite_memory.ts", args, {
    timeoutMs: 600_000,
  });
  const returned = (result.afterRunBytes - result.afterDisposeBytes) /
    Math.max(1, result.afterRunBytes - result.baselineBytes);
  const name = size === "tiny" ? "tiny" : "SD 1.5";
  ctx.add(figure({
    id: `memory.peak.${size}.${latent}.${ctx.device}`,
    label: `peak RSS (VmHWM), ${name} UNet step + VAE decode ${latent}×${latent} latent`,
    group: "memory",
    backend: ctx.device,
    unit: "bytes",
    details: { ...result, fractionReturnedAfterDispose: Math.round(returned * 1000) / 1000 },
  }, [result.peakBytes]));
  ctx.add(figure({
    id: `memory.after_dispose.${size}.${latent}.${ctx.device}`,
    label: `RSS after releasing sessions + backend (baseline ${mib(result.baselineBytes)} MiB)`,
    group: "memory",
    backend: ctx.device,
    unit: "bytes",
    details: { fractionReturnedAfterDispose: Math.round(returned * 1000) / 1000 },
  }, [result.afterDisposeBytes]));
}

function mib(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(0);
}
