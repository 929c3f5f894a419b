/**
 * The guidance-scale embedding of LCM-distilled UNets (diffusers'
 * `LatentConsistencyModelPipeline.get_guidance_scale_embedding`): the guidance is not applied by
 * running the UNet twice (classifier-free guidance) but fed in as sinusoidal features through the
 * UNet's `timestep_cond` input.
 *
 * @module
 */

const f32 = Math.fround;

/**
 * The `[dim]` embedding of guidance `scale`: `w = (scale − 1) · 1000`, `f_i = exp(−i · ln(10000) /
 * (dim/2 − 1))`, then `[sin(w·f), cos(w·f)]` (sine half first), a zero appended when `dim` is odd.
 * The angle is rounded to float32 like torch's float32 computation.
 *
 * @throws {RangeError} when `dim` is not an integer ≥ 4 or `scale` is not finite.
 *
 * @example LCM-Dreamshaper's 256-wide embedding of guidance 8.5
 * ```ts
 * const cond = guidanceScaleEmbedding(8.5, 256);
 * console.log(cond.length); // 256
 * ```
 */
export function guidanceScaleEmbedding(scale: number, dim: number): Float32Array {
  if (!Number.isInteger(dim) || dim < 4) {
    throw new RangeError(
      `Cannot embed the guidance scale as 'dim' must be an integer >= 4: current value is ${dim}`,
    );
  }
  if (typeof scale !== "number" || !Number.isFinite(scale)) {
    throw new RangeError(
      `Cannot embed the guidance scale as it must be a finite number: current value is ${scale}`,
    );
  }
  // The pipeline passes guidance_scale - 1 (the Imagen convention), scaled by 1000.
  const w = f32(f32(f32(scale) - 1) * 1000);
  const half = Math.floor(dim / 2);
  const step = f32(-(Math.log(10000) / (half - 1)));
  const out = new Float32Array(dim);
  for (let i = 0; i < half; i++) {
    const angle = f32(w * f32(Math.exp(f32(i * step))));
    out[i] = Math.sin(angle);
    out[half + i] = Math.cos(angle);
  }
  return out;
}
