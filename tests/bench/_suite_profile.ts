/**
 * Where the UNet step's time goes: onnxruntime's profiler on the server backend (the full-size
 * SD 1.5 UNet at 64×64 in full mode, the tiny one in `--quick`) and on WebGPU (the tiny UNet, and
 * in full mode one cold step of the full-size UNet at 8×8), summarised per op type. Also tries the
 * full-size UNet on WebGPU through the project's own backend and records what happens.
 */

import type { SuiteContext } from "./_suite_context.ts";
import { runChild } from "./_suite_child.ts";
import type { ProfileArgs, ProfileChildResult } from "./_suite_profile_child.ts";
import { aggregateTrace, parseTraceLines, type ProfileBreakdown } from "./_suite_profile_trace.ts";
import type { NetworkChildArgs, NetworkChildResult } from "./_suite_network_child.ts";
import { ensureRandomNetwork, networkFlops } from "./_suite_models.ts";
import { figure } from "./_suite_stats.ts";

/** A stored profile: the breakdown plus how it was taken. */
export interface ProfileRecord extends ProfileBreakdown {
  target: string;
  network: string;
  loadMs: number;
  wallMs: number[];
}

async function profile(ctx: SuiteContext, args: Omit<ProfileArgs, "cacheDir">, timeoutMs: number) {
  const full: ProfileArgs = { ...args, cacheDir: ctx.cacheDir };
  const { result, lines } = await runChild<ProfileChildResult>(
    "_suite_profile_child.ts",
    full,
    { timeoutMs },
  );
  const breakdown = result.breakdown ??
    aggregateTrace(parseTraceLines(lines), { skipRuns: args.warmup });
  const dtype = args.weightDType === "float16" ? " fp16 weights" : "";
  const record: ProfileRecord = {
    target: args.target,
    network: `${args.size} ${args.component} ${args.latent}×${args.latent} latent${dtype}`,
    loadMs: Math.round(result.loadMs),
    wallMs: result.runMs.map(Math.round),
    ...breakdown,
  };
  const profiles = (ctx.extra.profiles ??= {}) as Record<string, ProfileRecord>;
  profiles[`${args.target}.${args.size}.${args.component}.${args.latent}`] = record;
  const top = (breakdown.gpuByOp ?? breakdown.byOp).slice(0, 5)
    .map((o) => `${o.op} ${o.percent}%`).join(", ");
  ctx.log(`  profile ${args.target} ${record.network}: ${top}`);
  return { record, result };
}

/** Profiles of the UNet step on the server backend and on WebGPU. */
export async function measureProfiles(ctx: SuiteContext): Promise<void> {
  if (ctx.server) {
    const size = ctx.quick ? "tiny" : "sd15";
    if (size === "sd15") await ensureRandomNetwork("sd15", "unet", { cacheDir: ctx.cacheDir });
    await profile(ctx, {
      target: ctx.device,
      size,
      component: "unet",
      latent: size === "tiny" ? 8 : 64,
      warmup: 1,
      runs: size === "tiny" ? 5 : 1,
    }, 600_000);
  }
  if (ctx.backend("webgpu")) {
    await profile(ctx, {
      target: "webgpu",
      size: "tiny",
      component: "unet",
      latent: 8,
      warmup: 2,
      runs: 3,
    }, 300_000);
  }
}

/**
 * Full mode, WebGPU: the full-size UNet (float16 weights and compute, what a browser downloads)
 * at 8×8 through the project's backend (optimizations on), then profiled (one cold step), and the
 * full-size VAE decoder at 8×8.
 */
export async function measureWebGpuFullSize(ctx: SuiteContext): Promise<void> {
  if (!ctx.backend("webgpu")) return;
  if (ctx.quick) {
    ctx.skip("unet.sd15.8.webgpu", "--quick runs the tiny model only");
    return;
  }
  const base = { backend: "webgpu" as const, size: "sd15" as const, latent: 8 };
  const viaBackend: NetworkChildArgs = {
    ...base,
    component: "unet",
    cacheDir: ctx.cacheDir,
    weightDType: "float16",
    warmup: 0,
    repeats: 1,
  };
  await ensureRandomNetwork("sd15", "unet", { cacheDir: ctx.cacheDir, weightDType: "float16" });
  const attempt = await runChild<NetworkChildResult>("_suite_network_child.ts", viaBackend, {
    timeoutMs: 600_000,
  }).then((r) => r.result);
  const project = attempt.ok
    ? "loads through shared/ort"
    : `shared/ort (graphOptimizationLevel "all") fails at ${attempt.stage}: ${attempt.reason}`;
  ctx.log(`  SD 1.5 UNet fp16 on WebGPU via shared/ort: ${project}`);
  const { record } = await profile(ctx, {
    target: "webgpu",
    size: "sd15",
    component: "unet",
    latent: 8,
    weightDType: "float16",
    warmup: 0,
    runs: 1,
  }, 600_000);
  ctx.add(figure({
    id: "unet.sd15.8.webgpu",
    label: "SD 1.5 UNet step, batch 2 (CFG) 8×8 latent (64²), float16 compute, " +
      "cold (incl. shader compilation)",
    group: "unet",
    backend: "webgpu",
    unit: "ms",
    flops: await networkFlops("sd15", "unet", 8),
    details: { loadMs: record.loadMs, viaProjectBackend: project },
  }, record.wallMs));
  const vae = await runChild<NetworkChildResult>(
    "_suite_network_child.ts",
    {
      ...base,
      component: "vae_decoder",
      cacheDir: ctx.cacheDir,
      warmup: 1,
      repeats: 1,
    } satisfies NetworkChildArgs,
    { timeoutMs: 300_000 },
  ).then((r) => r.result);
  if (!vae.ok) {
    ctx.skip("vae_decoder.sd15.8.webgpu", `${vae.stage}: ${vae.reason}`);
    return;
  }
  ctx.add(figure({
    id: "vae_decoder.sd15.8.webgpu",
    label: "SD 1.5 VAE decode 8×8 latent (64²)",
    group: "vae_decoder",
    backend: "webgpu",
    unit: "ms",
    flops: await networkFlops("sd15", "vae_decoder", 8),
    details: {
      loadMs: Math.round(vae.loadMs),
      modelBytes: vae.modelBytes,
      otherCores: vae.otherCores,
    },
  }, vae.samples));
}
