/**
 * Whether onnxruntime-node's native WebGPU provider can run here. Without a GPU the render pool's
 * own preparation points Dawn at SwiftShader (from Debian's `chromium` package, which `.ci/run`
 * installs); tests that need the provider are ignored, with the reason printed, where neither
 * exists (an error in CI).
 *
 * Importing this module points `VK_ICD_FILENAMES` at SwiftShader for the whole test process, and
 * Deno's own `navigator.gpu` then finds SwiftShader too, which lacks `shader-f16`. `deno task test`
 * therefore runs the files that import it in a process of their own, one after another (onnxruntime-
 * node's native provider shares one Dawn device per process, and two test modules driving it from
 * two threads at once failed Dawn's validation): a new file that imports it must be added to both
 * lists of that task in `deno.json`.
 */

import { prepareNativeWebGpu } from "../../../functions/worker/vulkan.ts";
import { skipUnlessRequired } from "../../_system.ts";

const plan = prepareNativeWebGpu({ allowSoftware: true });

/** Why native WebGPU tests cannot run here, or `null` when they can. */
export const nativeWebGpuUnavailable: string | null = plan.adapter === "none" ? plan.note : null;

/** The Vulkan driver the native WebGPU tests run on. */
export const nativeWebGpuAdapter: string = plan.note;

if (nativeWebGpuUnavailable) {
  skipUnlessRequired("the native WebGPU tests", nativeWebGpuUnavailable);
}
