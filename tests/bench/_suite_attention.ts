/**
 * Fused attention: one UNet step of the standard graph (MatMul → Softmax → MatMul per head) next
 * to the `fusedAttention` graph (onnxruntime's `MultiHeadAttention`), the same seeded weights and
 * inputs, each in its own process so its peak resident memory is its own. Full mode runs the SD 1.5
 * UNet at 32×32 and 64×64 latents (a 512² image: 4096-token self-attention); `--quick` the tiny
 * UNet at 8×8. Also records how far the fused output lands from the standard one.
 */

import type { SuiteContext } from "./_suite_context.ts";
import { outputDifference } from "./_suite_fp16.ts";
import type { ModelSize } from "./_suite_models.ts";
import { type NetworkChildArgs, runNetworkChild } from "./_suite_network_child.ts";
import { figure } from "./_suite_stats.ts";

const VARIANTS = [
  { name: "standard", fusedAttention: false },
  { name: "fused", fusedAttention: true },
] as const;

/** UNet step time and peak memory, standard vs fused attention, on the server backend. */
export async function measureFusedAttention(ctx: SuiteContext): Promise<void> {
  if (!ctx.server) {
    ctx.skip("attention.unet", `the ${ctx.device} backend did not open`);
    return;
  }
  const size: ModelSize = ctx.quick ? "tiny" : "sd15";
  const label = size === "tiny" ? "tiny" : "SD 1.5";
  for (const latent of size === "tiny" ? [8] : [32, 64]) {
    const outputs: number[][] = [];
    for (const variant of VARIANTS) {
      const id = `attention.unet.${size}.${latent}.${variant.name}.${ctx.device}`;
      const args: NetworkChildArgs = {
        backend: ctx.device,
        size,
        component: "unet",
        latent,
        cacheDir: ctx.cacheDir,
        fusedAttention: variant.fusedAttention,
        warmup: 1,
        repeats: size === "tiny" ? 5 : 3,
        returnOutput: true,
      };
      const result = await runNetworkChild(ctx, id, args);
      if (result === null) break;
      outputs.push(result.output!);
      ctx.add(figure({
        id,
        label: `${label} UNet step ${latent}×${latent} latent, ${variant.name} attention`,
        group: "attention",
        backend: ctx.device,
        unit: "ms",
        details: { loadMs: Math.round(result.loadMs), otherCores: result.otherCores },
      }, result.samples));
      ctx.add(figure({
        id: `${id}.peak`,
        label: `${label} UNet step ${latent}×${latent} latent, ${variant.name} attention: ` +
          `peak RSS (load + runs)`,
        group: "attention",
        backend: ctx.device,
        unit: "bytes",
      }, [result.peakBytes]));
    }
    if (outputs.length !== 2) continue;
    const difference = outputDifference(outputs[0]!, outputs[1]!);
    ctx.add(figure({
      id: `attention.unet.${size}.${latent}.relative_l2`,
      label: `${label} UNet step ${latent}×${latent}, fused vs standard attention: relative L2`,
      group: "attention",
      backend: ctx.device,
      unit: "ratio",
      details: { ...difference },
    }, [difference.relativeL2]));
  }
}
