/**
 * Whether this machine has a WebGPU adapter (Deno finds Mesa's llvmpipe without a GPU). Tests
 * that need one are ignored, with the reason printed, where none exists (an error in CI).
 */

import { skipUnlessRequired } from "../../_system.ts";

async function findAdapter(): Promise<string | null> {
  const gpu = (navigator as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  if (!gpu) return "navigator.gpu is not available in this Deno";
  try {
    return (await gpu.requestAdapter()) ? null : "navigator.gpu found no adapter";
  } catch (error) {
    return `requesting a WebGPU adapter failed: ${error}`;
  }
}

/** Why WebGPU tests cannot run here, or `null` when they can. */
export const webgpuUnavailable: string | null = await findAdapter();

if (webgpuUnavailable) skipUnlessRequired("the WebGPU tests", webgpuUnavailable);
