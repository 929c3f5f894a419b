/**
 * Command-line flags of `deno task generate`: parsed with `node:util` `parseArgs` into a frozen
 * options object holding a `GenerationInit` (ranges are checked when it is resolved against the
 * model, like on every other surface); every problem is a one-line `UsageError` (exit code 2).
 *
 * @module
 */

import { parseArgs } from "node:util";
import type { GenerationField, GenerationInit } from "../../shared/generation/mod.ts";
import { parseSeed, PIPELINE_LIMITS } from "../../shared/generation/mod.ts";
import { DEVICES } from "../../shared/ort/mod.ts";
import type { Device } from "../../shared/ort/mod.ts";
import { SCHEDULER_ALIASES } from "../../shared/schedulers/mod.ts";
import { RESIZE_MODES, type ResizeMode } from "../../shared/image/mod.ts";

/** A bad command line: printed as one line, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** The options of one `generate` run: the generation as asked, and how to run it. */
export interface GenerateCliArgs {
  help: boolean;
  /** What to generate; absent fields take the model's defaults when resolved. */
  params: GenerationInit & { model: string };
  /** Image to image / inpainting: the files to read and how to fit them. */
  images?: { initImage: string; mask?: string; resizeMode?: ResizeMode };
  /** Devices in preference order. */
  devices: Device[];
  out: string;
  quiet: boolean;
  /** `--no-limits`: check against what the pipeline can run, not `SD_MAX_*`. */
  noLimits: boolean;
}

/** The flag of each generation field, for errors found when resolving. */
export const FLAGS: Readonly<Record<GenerationField, string>> = {
  model: "--model",
  prompt: "<prompt>",
  negativePrompt: "--negative",
  seed: "--seed",
  steps: "--steps",
  guidanceScale: "--guidance",
  scheduler: "--scheduler",
  width: "--size",
  height: "--size",
  batchSize: "--batch",
  eta: "--eta",
  initImage: "--init-image",
  mask: "--mask",
  strength: "--strength",
  resizeMode: "--resize-mode",
  maskBlur: "--mask-blur",
  invertMask: "--invert-mask",
};

/** The usage text of `--help`; the scheduler list comes from the scheduler registry. */
export function usage(): string {
  const aliases = SCHEDULER_ALIASES.map((s) => `${s.alias} (${s.a1111})`);
  const lines = [""];
  for (const alias of aliases) {
    const line = lines.at(-1)!;
    if (line.length + alias.length > 54) lines.push("");
    lines[lines.length - 1] += `${lines.at(-1) === "" ? "" : ", "}${alias}`;
  }
  const schedulers = lines.join(",\n                        ");
  const top = PIPELINE_LIMITS;
  return `Generate an image from a prompt with Stable Diffusion.

Usage: npx -y deno@2.9.6 task generate "<prompt>" [options]

Options:
  --negative <text>     negative prompt (default: "")
  --seed <int>          seed in [0, 2^64); random when absent, always printed
  --steps <int>         denoising steps (default: the model's; at most SD_MAX_STEPS)
  --scheduler <name>    ${schedulers},
                        or a diffusers class name
  --guidance <number>   classifier-free guidance scale (default: the model's)
  --size <px|WxH>       image size, a multiple of 8 (default: the model's; at most SD_MAX_SIZE)
  --batch <int>         images to generate (default: 1; at most SD_MAX_IMAGES); files get
                        -1, -2, ... suffixes
  --eta <number>        eta for DDIM-style schedulers
  --init-image <file>   image to image: start from this PNG or JPEG
  --strength <number>   how much to change the init image, in (0, 1] (default: 0.8,
                        1 with --mask)
  --mask <file>         inpainting: repaint where this PNG/JPEG is white (same size as
                        the init image)
  --mask-blur <px>      Gaussian blur of the mask before use (default: 0)
  --invert-mask         repaint where the mask is black instead
  --resize-mode <mode>  fit the init image to --size: resize (stretch), crop (cover and
                        cut the centre) or fill (fit and repeat the edges); default resize;
                        without --size the init image's size (rounded down to 8) is used
  --model <id>          model id (default: toy-shapes, built on first use)
  --device <name>       cpu, cuda, wasm, webgpu or auto (default: auto = cuda, then cpu)
  --out <file.png>      output file (default: output.png)
  --no-limits           allow more than the server's SD_MAX_* limits (up to what the pipeline
                        runs: ${top.maxSteps} steps, ${top.maxSize} px, ${top.maxImages} images, guidance ${top.maxGuidance})
  --quiet               no progress output
  -h, --help            show this help

Examples:
  npx -y deno@2.9.6 task generate "a red circle on a blue background" --seed 42 --steps 25 \\
    --out shapes.png
  npx -y deno@2.9.6 task generate "a white ring on a purple background" --init-image shapes.png \\
    --strength 0.6 --out ring.png`;
}

function integer(flag: string, text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value)) {
    throw new UsageError(`--${flag} must be an integer: got '${text}'`);
  }
  return value;
}

function decimal(flag: string, text: string): number {
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value)) {
    throw new UsageError(`--${flag} must be a number: got '${text}'`);
  }
  return value;
}

function size(text: string): { width: number; height: number } {
  const match = /^(\d+)(?:x(\d+))?$/i.exec(text.trim());
  if (!match) throw new UsageError(`--size must be <px> or <width>x<height>: got '${text}'`);
  const width = integer("size", match[1]!);
  return { width, height: match[2] === undefined ? width : integer("size", match[2]) };
}

function devices(text: string): Device[] {
  if (text === "auto") return ["cuda", "cpu"];
  if (!(DEVICES as readonly string[]).includes(text)) {
    throw new UsageError(`--device must be one of ${DEVICES.join(", ")}, auto: got '${text}'`);
  }
  return [text as Device];
}

/** The image-to-image flags: files into `images`, numbers into `params` (checked on resolve). */
function imageArgs(
  values: Record<string, string | boolean | undefined>,
  params: GenerateCliArgs["params"],
): GenerateCliArgs["images"] {
  const text = (name: string) => values[name] as string | undefined;
  const initImage = text("init-image");
  for (const flag of ["mask", "strength", "mask-blur", "invert-mask", "resize-mode"]) {
    if (values[flag] !== undefined && initImage === undefined) {
      throw new UsageError(`--${flag} needs --init-image`);
    }
  }
  if (initImage === undefined) return undefined;
  if (text("strength") !== undefined) params.strength = decimal("strength", text("strength")!);
  if (text("mask-blur") !== undefined) params.maskBlur = integer("mask-blur", text("mask-blur")!);
  if (values["invert-mask"]) params.invertMask = true;
  const mode = text("resize-mode");
  if (mode !== undefined && !(RESIZE_MODES as readonly string[]).includes(mode)) {
    throw new UsageError(`--resize-mode must be one of ${RESIZE_MODES.join(", ")}: got '${mode}'`);
  }
  if (mode !== undefined) params.resizeMode = mode as ResizeMode;
  return {
    initImage,
    ...(text("mask") !== undefined ? { mask: text("mask")! } : {}),
    ...(mode !== undefined ? { resizeMode: mode as ResizeMode } : {}),
  };
}

/** Parses the command line; throws {@linkcode UsageError} for anything invalid. */
export function parseGenerateArgs(args: readonly string[]): GenerateCliArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      allowPositionals: true,
      strict: true,
      options: {
        negative: { type: "string" },
        seed: { type: "string" },
        steps: { type: "string" },
        scheduler: { type: "string" },
        guidance: { type: "string" },
        size: { type: "string" },
        batch: { type: "string" },
        eta: { type: "string" },
        model: { type: "string" },
        "init-image": { type: "string" },
        mask: { type: "string" },
        strength: { type: "string" },
        "mask-blur": { type: "string" },
        "invert-mask": { type: "boolean" },
        "resize-mode": { type: "string" },
        device: { type: "string" },
        out: { type: "string" },
        "no-limits": { type: "boolean" },
        quiet: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    // node:util spreads some messages over lines ("ambiguous ... Did you forget ..."): join them.
    const message = error instanceof Error ? error.message : String(error);
    throw new UsageError(message.replace(/\s*\n\s*/g, " "));
  }
  const { values, positionals } = parsed;
  const help = values.help ?? false;
  if (!help && positionals.length !== 1) {
    throw new UsageError(
      positionals.length === 0
        ? 'a prompt is required: npx -y deno@2.9.6 task generate "a red circle on a blue background" (see --help)'
        : `expected one prompt, got ${positionals.length} arguments: quote the prompt`,
    );
  }
  const out = values.out ?? "output.png";
  if (!out.toLowerCase().endsWith(".png")) {
    throw new UsageError(`--out must name a .png file: got '${out}'`);
  }
  const params: GenerateCliArgs["params"] = {
    prompt: positionals[0] ?? "",
    model: values.model ?? "toy-shapes",
  };
  if (values.negative !== undefined) params.negativePrompt = values.negative;
  if (values.seed !== undefined) {
    try {
      params.seed = parseSeed(values.seed);
    } catch {
      throw new UsageError(`--seed must be an integer in [0, 2^64): got '${values.seed}'`);
    }
  }
  if (values.steps !== undefined) params.steps = integer("steps", values.steps);
  if (values.guidance !== undefined) params.guidanceScale = decimal("guidance", values.guidance);
  if (values.eta !== undefined) params.eta = decimal("eta", values.eta);
  if (values.size !== undefined) Object.assign(params, size(values.size));
  if (values.batch !== undefined) params.batchSize = integer("batch", values.batch);
  if (values.scheduler !== undefined) params.scheduler = values.scheduler;
  const images = imageArgs(values, params);
  return Object.freeze({
    help,
    params: Object.freeze(params),
    ...(images ? { images } : {}),
    devices: devices(values.device ?? "auto"),
    out,
    quiet: values.quiet ?? false,
    noLimits: values["no-limits"] ?? false,
  });
}
