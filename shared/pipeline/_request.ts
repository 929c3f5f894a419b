/**
 * Request checks and the guidance formula of `textToImage`.
 *
 * @module
 */

import type { TextToImageRequest } from "./types.ts";

function checkInteger(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(
      `Cannot generate as '${name}' must be an integer in [${min}, ${max}]: current value is ${
        String(value)
      }`,
    );
  }
  return value;
}

/**
 * Checks a request; gives the batch size and whether guidance needs the unconditional rows (never
 * when the UNet takes the guidance as an embedding, `embeddedGuidance`, as LCM UNets do).
 */
export function validateRequest(
  request: TextToImageRequest,
  vaeScaleFactor: number,
  embeddedGuidance = false,
): { batchSize: number; guided: boolean } {
  checkInteger("steps", request.steps, 1, 1000);
  const batchSize = checkInteger("batchSize", request.batchSize ?? 1, 1, 64);
  for (const name of ["width", "height"] as const) {
    const value = checkInteger(name, request[name], vaeScaleFactor, 8192);
    if (value % vaeScaleFactor !== 0) {
      throw new RangeError(
        `Cannot generate as '${name}' must be a multiple of ${vaeScaleFactor}: ` +
          `current value is ${value}`,
      );
    }
  }
  if (typeof request.guidanceScale !== "number" || !Number.isFinite(request.guidanceScale)) {
    throw new RangeError(
      `Cannot generate as 'guidanceScale' must be a finite number: current value is ${
        String(request.guidanceScale)
      }`,
    );
  }
  const { cond, uncond, shape } = request.embeddings ?? {};
  const rowSize = Array.isArray(shape) ? shape[1] * shape[2] : NaN;
  if (!(cond instanceof Float32Array) || cond.length !== rowSize) {
    throw new TypeError(
      `Cannot generate as 'embeddings.cond' must hold [1, seq, dim] = ${rowSize} floats: ` +
        `current length is ${cond?.length}`,
    );
  }
  const guided = !embeddedGuidance && request.guidanceScale > 1;
  if (guided && (!(uncond instanceof Float32Array) || uncond.length !== rowSize)) {
    throw new TypeError(
      `Cannot generate with guidance as 'embeddings.uncond' must hold ${rowSize} floats: ` +
        `current length is ${uncond?.length}`,
    );
  }
  return { batchSize, guided };
}

/**
 * Classifier-free guidance over a prediction of `2 × batch` rows (unconditional rows first):
 * `uncond + scale · (cond − uncond)`, rounded to float32 after each operation like torch.
 */
export function applyGuidance(prediction: Float32Array, scale: number): Float32Array {
  const half = prediction.length / 2;
  const out = new Float32Array(half);
  const s = Math.fround(scale);
  for (let i = 0; i < half; i++) {
    const u = prediction[i]!;
    const c = prediction[half + i]!;
    out[i] = u + Math.fround(s * Math.fround(c - u));
  }
  return out;
}
