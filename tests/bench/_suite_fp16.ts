/**
 * float16 variants, the files a browser would download: the size of the UNet with float16
 * weights next to the float32 one, and how far one UNet step in float16 (weights and compute)
 * lands from the float32 step on the same inputs (the same seeded weights, rounded). Full mode uses the
 * full-size SD 1.5 UNet at 32×32 latents; `--quick` the tiny architecture at 8×8.
 */

import type { SuiteContext } from "./_suite_context.ts";
import { ensureRandomNetwork, type ModelSize } from "./_suite_models.ts";
import { type NetworkChildArgs, runNetworkChild } from "./_suite_network_child.ts";
import { figure } from "./_suite_stats.ts";

/** Differences between a reference output and another. */
export interface OutputDifference {
  maxAbs: number;
  meanAbs: number;
  /** ‖a − b‖ / ‖a‖. */
  relativeL2: number;
  /** Largest |a| (for scale). */
  maxAbsReference: number;
}

/** Element-wise differences of `other` from `reference`. */
export function outputDifference(
  reference: readonly number[],
  other: readonly number[],
): OutputDifference {
  if (reference.length !== other.length || reference.length === 0) {
    throw new RangeError(
      `Cannot compare outputs of ${reference.length} and ${other.length} values`,
    );
  }
  let maxAbs = 0, sumAbs = 0, sumSq = 0, refSq = 0, maxRef = 0;
  for (let i = 0; i < reference.length; i++) {
    const d = Math.abs(reference[i]! - other[i]!);
    maxAbs = Math.max(maxAbs, d);
    sumAbs += d;
    sumSq += d * d;
    refSq += reference[i]! * reference[i]!;
    maxRef = Math.max(maxRef, Math.abs(reference[i]!));
  }
  return {
    maxAbs,
    meanAbs: sumAbs / reference.length,
    relativeL2: Math.sqrt(sumSq / Math.max(refSq, Number.MIN_VALUE)),
    maxAbsReference: maxRef,
  };
}

/** Sizes of the float16/float32 UNet files and the float16-vs-float32 step difference. */
export async function measureFloat16(ctx: SuiteContext): Promise<void> {
  const server = ctx.server;
  if (!server) {
    ctx.skip("fp16.unet", `the ${ctx.device} backend did not open`);
    return;
  }
  const size: ModelSize = ctx.quick ? "tiny" : "sd15";
  const latent = size === "tiny" ? 8 : 32;
  const label = size === "tiny" ? "tiny" : "SD 1.5";
  const files = {
    float32: await ensureRandomNetwork(size, "unet", { cacheDir: ctx.cacheDir }),
    float16: await ensureRandomNetwork(size, "unet", {
      cacheDir: ctx.cacheDir,
      weightDType: "float16",
    }),
  };
  for (const dtype of ["float16", "float32"] as const) {
    ctx.add(figure({
      id: `size.${size}.unet.${dtype}`,
      label: `${label} UNet file size, ${dtype} weights (graph + external data)`,
      group: "fp16",
      backend: "none",
      unit: "bytes",
    }, [files[dtype].bytes]));
  }
  const outputs: Partial<Record<"float32" | "float16", number[]>> = {};
  for (const dtype of ["float32", "float16"] as const) {
    const args: NetworkChildArgs = {
      backend: ctx.device,
      size,
      component: "unet",
      latent,
      cacheDir: ctx.cacheDir,
      weightDType: dtype,
      warmup: 1,
      repeats: size === "tiny" ? 3 : 1,
      returnOutput: true,
    };
    const result = await runNetworkChild(ctx, `fp16.unet.${dtype}`, args);
    if (result === null) return;
    if (result.output === undefined) throw new Error(`the ${dtype} UNet returned no output`);
    outputs[dtype] = result.output;
    ctx.add(figure({
      id: `fp16.unet.${size}.${latent}.${dtype}.${ctx.device}`,
      label: `${label} UNet step ${latent}×${latent} latent, ${dtype} weights and compute`,
      group: "fp16",
      backend: ctx.device,
      unit: "ms",
      details: { loadMs: Math.round(result.loadMs), otherCores: result.otherCores },
    }, result.samples));
  }
  const difference = outputDifference(outputs.float32!, outputs.float16!);
  ctx.extra.float16 = { network: `${size} unet ${latent}×${latent}`, ...difference };
  ctx.add(figure({
    id: `fp16.unet.${size}.${latent}.relative_l2`,
    label: `${label} UNet step, float16 vs float32: relative L2 difference`,
    group: "fp16",
    backend: ctx.device,
    unit: "ratio",
    details: { ...difference },
  }, [difference.relativeL2]));
}
