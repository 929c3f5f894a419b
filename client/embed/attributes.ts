/**
 * What an `<sd-image>` element's attributes ask for, as the SDK's `GenerateParams`: one pure
 * mapping, so the element only reads its attributes and hands them here.
 *
 * @module
 */

import type { GenerateParams } from "../sdk/mod.ts";

/** Attributes that are numbers, and the parameter each sets. */
const NUMBERS = {
  steps: "steps",
  width: "width",
  height: "height",
  strength: "strength",
  "guidance-scale": "guidanceScale",
  "mask-blur": "maskBlur",
} as const;

/** Attributes that are text, and the parameter each sets. */
const TEXTS = {
  seed: "seed",
  "negative-prompt": "negativePrompt",
  model: "model",
  scheduler: "scheduler",
} as const;

/** Image URLs, resolved against the page. */
const URLS = { "init-image": "image", mask: "mask" } as const;

/** Every attribute the element reacts to. */
export const SD_IMAGE_ATTRIBUTES: readonly string[] = [
  "prompt",
  ...Object.keys(TEXTS),
  ...Object.keys(NUMBERS),
  ...Object.keys(URLS),
  "invert-mask",
];

/**
 * The parameters `attribute` (the element's `getAttribute`) asks for. Empty attributes count as
 * absent; `init-image` and `mask` are URLs resolved against `baseUri` (same origin or
 * CORS-enabled); `invert-mask` is a boolean attribute. Values are checked by the SDK.
 *
 * @example
 * ```ts
 * import { paramsFromAttributes } from "./attributes.ts";
 * const attributes: Record<string, string> = { prompt: "a red circle", steps: "20" };
 * const params = paramsFromAttributes((name) => attributes[name] ?? null, "https://a.test/");
 * console.log(params.steps); // 20
 * ```
 */
export function paramsFromAttributes(
  attribute: (name: string) => string | null,
  baseUri: string,
): GenerateParams {
  const params: GenerateParams = { prompt: attribute("prompt") ?? "" };
  const text = (name: string) => {
    const value = attribute(name);
    return value === null || value.trim() === "" ? undefined : value.trim();
  };
  for (const [name, key] of Object.entries(NUMBERS)) {
    const value = text(name);
    if (value !== undefined) params[key] = Number(value);
  }
  for (const [name, key] of Object.entries(TEXTS)) {
    const value = text(name);
    if (value !== undefined) params[key] = value;
  }
  for (const [name, key] of Object.entries(URLS)) {
    const value = text(name);
    if (value !== undefined) params[key] = new URL(value, baseUri).href;
  }
  const invert = attribute("invert-mask");
  if (invert !== null && invert.trim().toLowerCase() !== "false") params.invertMask = true;
  return params;
}
