/**
 * The `deno task models` command line: help texts, each command's options, and the parser that
 * turns arguments into positionals and flags (one readable `UsageError` for bad input).
 *
 * @module
 */

import { EMBEDDED_MODELS } from "./registry/mod.ts";

/** A bad command line: reported as one line, exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** The embedded model ids, comma-separated, for messages. */
export const EMBEDDED_IDS = Object.keys(EMBEDDED_MODELS).join(", ");

/** Help text per command (`""`: the overview). */
export const USAGE: Record<string, string> = {
  "": `Usage: deno task models <command> [options]

Commands:
  add <folder|org/name[@rev]>  make a model folder or hub repo servable (ONNX export, diffusers
                             checkpoint, or a hub repository pulled first)
  list                       models in the cache (and the embedded ones)
  build <id>                 build an embedded model (${EMBEDDED_IDS})
  pull <org/name[@rev]>      download an ONNX Stable Diffusion repo from the Hugging Face hub
  convert <diffusers> <out>  convert a diffusers checkpoint folder to the ONNX layout
  verify <id>                re-hash a model's files against its manifest

Common options:
  --cache-dir <dir>          model cache (default: $SD_MODELS_DIR or models/cache)
  -h, --help                 help for a command

Environment: SD_MODELS_DIR, HF_TOKEN (private/gated repos), HF_ENDPOINT (hub URL)`,
  add: "Usage: deno task models add <folder | org/name[@revision]> [--id <id>] " +
    "[--variant fp16] [--subfolder <dir>] [--steps <n>] [--guidance <x>] [--scheduler <name>]\n" +
    "  [--license <name>] [--force] [--cache-dir <dir>]\n" +
    "  A standard ONNX export gets a manifest (its files are linked into <cache-dir>/<id>, not\n" +
    "  copied); a diffusers checkpoint is converted; a hub repository is pulled first.\n" +
    "  --variant fp16   the float16 networks (unet_fp16/, model_fp16.onnx, onnx/model_fp16.onnx;\n" +
    "                   a diffusers checkpoint is converted to float16)\n" +
    "  --subfolder <d>  the model lives in <d> (an 'onnx/' subfolder is found by itself)\n" +
    "  --steps, --guidance, --scheduler  the model's defaults (else: LCM 4 steps at 8.5, a\n" +
    "                   'turbo' name 1 step at 0, others 25 at 7.5; the scheduler of its config)\n" +
    '  Then: SD_MODELS=<id> deno task start, or deno task generate "..." --model <id>',
  list: "Usage: deno task models list [--json] [--cache-dir <dir>]",
  build: "Usage: deno task models build <id> [--force] [--cache-dir <dir>]\n" +
    "  Builds the embedded model <id> into <cache-dir>/<id> (no network, a few seconds).",
  pull: "Usage: deno task models pull <org/name[@revision]> [--retries <n>] [--cache-dir <dir>]\n" +
    "  Downloads model_index.json, text_encoder/, unet/, vae_decoder/, vae_encoder/, tokenizer/\n" +
    "  and scheduler/ into the Hugging Face cache layout, verified and resumable.",
  convert: "Usage: deno task models convert <diffusers-dir> <out-dir> [--id <id>] " +
    "[--license <name>] [--fp16] [--standard-attention] [--overwrite]\n" +
    "  --fp16  float16 weights (half the download); the UNet and VAE also compute in float16,\n" +
    "          which a full-size UNet needs to load in a browser. The text encoder computes\n" +
    "          in float32.\n" +
    "  --standard-attention  MatMul/Softmax attention that any ONNX runtime runs, instead of\n" +
    "          onnxruntime's fused MultiHeadAttention (faster, about half the peak memory).",
  verify: "Usage: deno task models verify <id> [--cache-dir <dir>]\n" +
    `  <id>: ${EMBEDDED_IDS}, org/name[@revision], a folder name in the cache, or a path.`,
};

/** A parsed command line. */
export interface Parsed {
  positionals: string[];
  flags: Map<string, string | true>;
}

/** The options of each command: `true` takes a value, `false` is a switch. */
export const OPTIONS: Record<string, Record<string, boolean>> = {
  add: {
    id: true,
    steps: true,
    guidance: true,
    scheduler: true,
    variant: true,
    subfolder: true,
    license: true,
    force: false,
    retries: true,
    "cache-dir": true,
  },
  list: { json: false, "cache-dir": true },
  build: { force: false, "cache-dir": true },
  pull: { retries: true, "cache-dir": true },
  convert: { id: true, license: true, fp16: false, "standard-attention": false, overwrite: false },
  verify: { "cache-dir": true },
};

/** Parses one command's arguments against {@linkcode OPTIONS}. */
export function parseArgs(command: string, args: readonly string[]): Parsed {
  const positionals: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "-h" || arg === "--help") {
      flags.set("help", true);
    } else if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      const name = arg.slice(2, eq === -1 ? undefined : eq);
      const takesValue = OPTIONS[command]![name];
      if (takesValue === false && eq === -1) {
        flags.set(name, true);
      } else if (takesValue === true) {
        const value = eq === -1 ? args[++i] : arg.slice(eq + 1);
        if (value === undefined || value === "") {
          throw new UsageError(`Option '--${name}' needs a value`);
        }
        flags.set(name, value);
      } else {
        throw new UsageError(`Unknown option '${arg}' for '${command}' (see --help)`);
      }
    } else if (arg.startsWith("-") && arg !== "-") {
      throw new UsageError(`Unknown option '${arg}' for '${command}' (see --help)`);
    } else {
      positionals.push(arg);
    }
  }
  return { positionals, flags };
}

/** The positional arguments, exactly `names.length` of them. */
export function expectPositionals(command: string, parsed: Parsed, names: string[]): string[] {
  const got = parsed.positionals;
  if (got.length < names.length) {
    throw new UsageError(`'${command}' needs ${names.map((n) => `<${n}>`).join(" ")} (see --help)`);
  }
  if (got.length > names.length) {
    throw new UsageError(`'${command}' takes ${names.length} argument(s), got '${got.join(" ")}'`);
  }
  return got;
}
