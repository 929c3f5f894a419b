/**
 * Command-line flags of `deno task generate`: parsed with `node:util` `parseArgs`, validated into a
 * frozen options object, every problem reported as a one-line `UsageError` (exit code 2).
 *
 * @module
 */

import { parseArgs } from "node:util";
import { DEVICES } from "../../shared/ort/mod.ts";
import type { Device } from "../../shared/ort/mod.ts";
import { RESIZE_MODES, type ResizeMode } from "../../shared/image/mod.ts";

/** A bad command line: printed as one line, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** The validated options of one `generate` run. */
export interface GenerateArgs {
  help: boolean;
  prompt: string;
  negativePrompt?: string;
  seed?: bigint;
  steps?: number;
  guidanceScale?: number;
  width?: number;
  height?: number;
  batchSize: number;
  scheduler?: string;
  eta?: number;
  model: string;
  /** Init image file (image to image, inpainting). */
  initImage?: string;
  /** Mask file (inpainting; white repaints). */
  mask?: string;
  /** Image-to-image strength in (0, 1]. */
  strength?: number;
  resizeMode?: ResizeMode;
  /** Devices in preference order. */
  devices: Device[];
  out: string;
  quiet: boolean;
}

/** The usage text of `--help`. */
export const USAGE = `Generate an image from a prompt with Stable Diffusion.

Usage: deno task generate "<prompt>" [options]

Options:
  --negative <text>     negative prompt (default: "")
  --seed <int>          seed in [0, 2^64); random when absent, always printed
  --steps <int>         denoising steps (default: the model's)
  --scheduler <name>    ddim, pndm, plms, lms, euler, euler_a, heun, dpmpp_2m,
                        dpmpp_2m_karras, unipc, lcm, or a diffusers class name
  --guidance <number>   classifier-free guidance scale (default: the model's)
  --size <px|WxH>       image size, a multiple of 8 (default: the model's)
  --batch <int>         images to generate (default: 1); files get -1, -2, ... suffixes
  --eta <number>        eta for DDIM-style schedulers
  --init-image <file>   image to image: start from this PNG or JPEG
  --strength <number>   how much to change the init image, in (0, 1] (default: 0.8,
                        1 with --mask)
  --mask <file>         inpainting: repaint where this PNG/JPEG is white (same size as
                        the init image)
  --resize-mode <mode>  fit the init image to --size: resize (stretch), crop (cover and
                        cut the centre) or fill (fit and repeat the edges); default resize;
                        without --size the init image's size (rounded down to 8) is used
  --model <id>          model id (default: tiny-sd, built on first use)
  --device <name>       cpu, cuda, wasm, webgpu or auto (default: auto = cuda, then cpu)
  --out <file.png>      output file (default: output.png)
  --quiet               no progress output
  -h, --help            show this help

Examples:
  deno task generate "a photo of a cat" --seed 42 --steps 25 --scheduler euler_a --out cat.png
  deno task generate "a watercolor" --init-image in.png --strength 0.6 --out out.png`;

function integer(flag: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`--${flag} must be an integer in [${min}, ${max}]: got '${text}'`);
  }
  return value;
}

function decimal(flag: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value) || value < min || value > max) {
    throw new UsageError(`--${flag} must be a number in [${min}, ${max}]: got '${text}'`);
  }
  return value;
}

function size(text: string): { width: number; height: number } {
  const match = /^(\d+)(?:x(\d+))?$/i.exec(text.trim());
  if (!match) throw new UsageError(`--size must be <px> or <width>x<height>: got '${text}'`);
  const width = integer("size", match[1]!, 8, 4096);
  const height = match[2] === undefined ? width : integer("size", match[2], 8, 4096);
  if (width % 8 !== 0 || height % 8 !== 0) {
    throw new UsageError(`--size must be a multiple of 8: got '${text}'`);
  }
  return { width, height };
}

function devices(text: string): Device[] {
  if (text === "auto") return ["cuda", "cpu"];
  if (!(DEVICES as readonly string[]).includes(text)) {
    throw new UsageError(`--device must be one of ${DEVICES.join(", ")}, auto: got '${text}'`);
  }
  return [text as Device];
}

function initImageArgs(
  values: Record<string, string | boolean | undefined>,
): Partial<GenerateArgs> {
  const text = (name: string) => values[name] as string | undefined;
  const out: Partial<GenerateArgs> = {};
  const initImage = text("init-image");
  for (const flag of ["mask", "strength", "resize-mode"]) {
    if (text(flag) !== undefined && initImage === undefined) {
      throw new UsageError(`--${flag} needs --init-image`);
    }
  }
  if (initImage === undefined) return out;
  out.initImage = initImage;
  if (text("mask") !== undefined) out.mask = text("mask")!;
  const strength = text("strength");
  if (strength !== undefined) {
    const value = Number(strength);
    if (strength.trim() === "" || !(value > 0 && value <= 1)) {
      throw new UsageError(`--strength must be a number in (0, 1]: got '${strength}'`);
    }
    out.strength = value;
  }
  const mode = text("resize-mode");
  if (mode !== undefined) {
    if (!(RESIZE_MODES as readonly string[]).includes(mode)) {
      throw new UsageError(
        `--resize-mode must be one of ${RESIZE_MODES.join(", ")}: got '${mode}'`,
      );
    }
    out.resizeMode = mode as ResizeMode;
  }
  return out;
}

/** Parses the command line; throws {@linkcode UsageError} for anything invalid. */
export function parseGenerateArgs(args: readonly string[]): GenerateArgs {
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
        "resize-mode": { type: "string" },
        device: { type: "string" },
        out: { type: "string" },
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
        ? 'a prompt is required: deno task generate "a photo of a cat" (see --help)'
        : `expected one prompt, got ${positionals.length} arguments: quote the prompt`,
    );
  }
  const result: GenerateArgs = {
    help,
    prompt: positionals[0] ?? "",
    batchSize: values.batch === undefined ? 1 : integer("batch", values.batch, 1, 16),
    model: values.model ?? "tiny-sd",
    devices: devices(values.device ?? "auto"),
    out: values.out ?? "output.png",
    quiet: values.quiet ?? false,
  };
  if (!result.out.toLowerCase().endsWith(".png")) {
    throw new UsageError(`--out must name a .png file: got '${result.out}'`);
  }
  if (values.negative !== undefined) result.negativePrompt = values.negative;
  if (values.seed !== undefined) {
    if (!/^\d+$/.test(values.seed) || BigInt(values.seed) >= 1n << 64n) {
      throw new UsageError(`--seed must be an integer in [0, 2^64): got '${values.seed}'`);
    }
    result.seed = BigInt(values.seed);
  }
  if (values.steps !== undefined) result.steps = integer("steps", values.steps, 1, 1000);
  if (values.guidance !== undefined) {
    result.guidanceScale = decimal("guidance", values.guidance, 0, 100);
  }
  if (values.eta !== undefined) result.eta = decimal("eta", values.eta, 0, 1);
  if (values.size !== undefined) Object.assign(result, size(values.size));
  if (values.scheduler !== undefined) result.scheduler = values.scheduler;
  Object.assign(result, initImageArgs(values));
  return Object.freeze(result);
}
