/**
 * Generation parameters as AUTOMATIC1111 writes them into a PNG's `parameters` text: the prompt,
 * an optional `Negative prompt:` line, then one line of `Key: value` settings. Tools that read
 * A1111 images (its PNG Info tab, image hosts, ComfyUI loaders) understand this text.
 *
 * @module
 */

import type { GenerationInit, GenerationParams } from "../generation/params.ts";
import { samplerName } from "../schedulers/names.ts";

/**
 * What {@linkcode formatParameters} writes: a `GenerationParams` (what `shared/generation` passes)
 * with A1111's own names allowed beside it, so texts read from other tools' PNGs (`sampler`,
 * `cfgScale`, `extra`) format back. Absent `negativePrompt`, `model` and `eta` are left out.
 */
export type GenerationInfo =
  & Pick<GenerationParams, "prompt" | "steps" | "width" | "height">
  & Partial<
    Pick<GenerationParams, "negativePrompt" | "scheduler" | "guidanceScale" | "model" | "eta">
  >
  & {
    seed: NonNullable<GenerationInit["seed"]>;
    /** A1111 sampler name (`"Euler a"`); else `scheduler`'s, from the scheduler registry's table. */
    sampler?: string;
    /** A1111's name of the guidance scale; takes precedence over `guidanceScale`. */
    cfgScale?: number;
    /** Further `Key: value` settings, written after the others in insertion order. */
    extra?: Record<string, string | number>;
  };

/** What {@linkcode parseParameters} reads back. */
export interface ParsedParameters {
  prompt: string;
  negativePrompt: string;
  steps: number;
  sampler: string;
  cfgScale: number;
  seed: bigint;
  width: number;
  height: number;
  model?: string;
  eta?: number;
  /** Settings other than the ones above, values unquoted. */
  extra: Record<string, string>;
}

const KNOWN = new Set(["Steps", "Sampler", "CFG scale", "Seed", "Size", "Model", "Eta"]);
// A1111's `re_param`: a key, a colon, then a JSON-quoted value or anything up to the next comma.
const SETTING = /\s*(\w[\w \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)/g;
const SIZE = /^(\d+)x(\d+)$/;

/** A1111's `quote`: values holding `,`, `:` or a newline become JSON strings. */
function quote(value: string): string {
  return /[,:\n]/.test(value) ? JSON.stringify(value) : value;
}

/** A number the way Python's `str(float)` writes it, as A1111 records its float settings. */
function pythonFloat(value: number): string {
  return Number.isInteger(value) && Math.abs(value) < 1e16 ? value.toFixed(1) : String(value);
}

/**
 * Formats generation parameters the way AUTOMATIC1111 stores them in a PNG `parameters` chunk.
 *
 * @throws {TypeError} when neither `sampler` nor `scheduler`, or neither `cfgScale` nor
 * `guidanceScale`, is given.
 *
 * @example The text of a PNG's parameters chunk
 * ```ts
 * import { formatParameters } from "./parameters.ts";
 *
 * const text = formatParameters({
 *   prompt: "a photo of a cat", negativePrompt: "blurry", steps: 25, sampler: "Euler a",
 *   cfgScale: 7.5, seed: 42, width: 64, height: 64, model: "tiny-sd",
 * });
 * console.log(text.split("\n")[2]);
 * // Steps: 25, Sampler: Euler a, CFG scale: 7.5, Seed: 42, Size: 64x64, Model: tiny-sd
 * ```
 */
export function formatParameters(info: GenerationInfo): string {
  const sampler = info.sampler ??
    (info.scheduler === undefined ? undefined : samplerName(info.scheduler));
  const cfgScale = info.cfgScale ?? info.guidanceScale;
  if (sampler === undefined || cfgScale === undefined) {
    throw new TypeError(
      `Cannot format parameters as '${sampler === undefined ? "sampler" : "cfgScale"}' is missing`,
    );
  }
  const settings: [string, string][] = [
    ["Steps", String(info.steps)],
    ["Sampler", sampler],
    ["CFG scale", pythonFloat(cfgScale)],
    ["Seed", String(info.seed)],
    ["Size", `${info.width}x${info.height}`],
  ];
  if (info.model !== undefined && info.model !== "") settings.push(["Model", info.model]);
  if (info.eta !== undefined) settings.push(["Eta", pythonFloat(info.eta)]);
  for (const [key, value] of Object.entries(info.extra ?? {})) settings.push([key, String(value)]);
  const lines = [info.prompt];
  if (info.negativePrompt) lines.push(`Negative prompt: ${info.negativePrompt}`);
  lines.push(settings.map(([key, value]) => `${key}: ${quote(value)}`).join(", "));
  return lines.join("\n");
}

/**
 * Parses an AUTOMATIC1111 `parameters` text, following A1111's own reader: the last line holds the
 * settings, lines from `Negative prompt:` on are the negative prompt, and each line is trimmed.
 * Gives `null` when the text has no settings line with steps, sampler, CFG scale, seed and size.
 *
 * @example Reading back what formatParameters() wrote
 * ```ts
 * import { parseParameters } from "./parameters.ts";
 *
 * const parsed = parseParameters(
 *   "a cat\nSteps: 25, Sampler: Euler a, CFG scale: 7.0, Seed: 42, Size: 512x768",
 * );
 * console.log(parsed?.seed, parsed?.height); // 42n 768
 * ```
 */
export function parseParameters(text: string): ParsedParameters | null {
  const lines = text.trim().split("\n");
  const last = lines.at(-1) ?? "";
  const found = [...last.matchAll(SETTING)];
  if (found.length < 3) return null;
  lines.pop();
  let prompt = "";
  let negativePrompt = "";
  let inNegative = false;
  for (let line of lines) {
    line = line.trim();
    if (line.startsWith("Negative prompt:")) {
      inNegative = true;
      line = line.slice("Negative prompt:".length).trim();
    }
    if (inNegative) negativePrompt += (negativePrompt === "" ? "" : "\n") + line;
    else prompt += (prompt === "" ? "" : "\n") + line;
  }
  const settings = new Map<string, string>();
  for (const [, key, raw] of found) settings.set(key!, unquote(raw!));
  const steps = Number(settings.get("Steps"));
  const cfgScale = Number(settings.get("CFG scale"));
  const seed = settings.get("Seed") ?? "";
  const size = SIZE.exec(settings.get("Size") ?? "");
  const sampler = settings.get("Sampler");
  if (
    !Number.isInteger(steps) || !Number.isFinite(cfgScale) || !/^\d+$/.test(seed) || !size ||
    sampler === undefined
  ) {
    return null;
  }
  const extra: Record<string, string> = {};
  for (const [key, value] of settings) if (!KNOWN.has(key)) extra[key] = value;
  const model = settings.get("Model");
  const eta = Number(settings.get("Eta") ?? NaN);
  return {
    prompt,
    negativePrompt,
    steps,
    sampler,
    cfgScale,
    seed: BigInt(seed),
    width: Number(size[1]),
    height: Number(size[2]),
    ...(model !== undefined ? { model } : {}),
    ...(Number.isFinite(eta) ? { eta } : {}),
    extra,
  };
}

function unquote(raw: string): string {
  const value = raw.trim();
  if (value.length < 2 || !value.startsWith('"') || !value.endsWith('"')) return value;
  try {
    return String(JSON.parse(value));
  } catch {
    return value;
  }
}
