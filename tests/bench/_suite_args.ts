/**
 * Command line of the benchmark suite:
 *
 * ```
 * deno task bench [--quick] [--out bench/results.json] [--device cpu|cuda|webgpu]
 *                 [--only limit,networks,...] [--cache-dir models/cache/bench]
 * ```
 */

import type { SuiteMode } from "./_suite_context.ts";

/** The sections of the suite, in the order they run. */
export const SECTIONS = [
  "limit",
  "builds",
  "tokenizer",
  "networks",
  "pipeline",
  "adherence",
  "img2img",
  "edge",
  "bundles",
  "worker",
  "memory",
  "fp16",
  "attention",
  "profile",
  "webgpu-full",
] as const;

/** A section name. */
export type Section = typeof SECTIONS[number];

/** Parsed options. */
export interface SuiteArgs {
  mode: SuiteMode;
  out: string;
  /** `webgpu` runs the GPU suite (`_suite_gpu.ts`) instead of the sections. */
  device: "cpu" | "cuda" | "webgpu";
  sections: readonly Section[];
  cacheDir: string;
  help: boolean;
}

const ROOT = new URL("../../", import.meta.url).pathname;

/** Usage text. */
export const USAGE = `deno task bench [options]

  --quick              the CI subset: toy-size models only, few repeats (under 2 minutes)
  --out <path>         where to write the results JSON (default: bench/results.json;
                       bench/results-webgpu.json with --device webgpu)
  --device cpu|cuda    onnxruntime-node device for server-side figures (default: cpu)
  --device webgpu      the GPU suite instead: native WebGPU (onnxruntime-node) and
                       onnxruntime-web side by side; full size (SD 1.5, 4096³) on a GPU,
                       small (tiny model, 512³) on a software adapter or with --quick
  --only <a,b,...>     run only these sections: ${SECTIONS.join(", ")}
  --cache-dir <dir>    full-size benchmark models (default: models/cache/bench)
  --help               this text`;

/** Parses `args`; throws a `TypeError` naming the bad option. */
export function parseSuiteArgs(args: readonly string[]): SuiteArgs {
  const parsed: SuiteArgs = {
    mode: "full",
    out: `${ROOT}bench/results.json`,
    device: "cpu",
    sections: SECTIONS,
    cacheDir: `${ROOT}models/cache/bench`,
    help: false,
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const [flag, inline] = arg.includes("=") ? arg.split(/=(.*)/s) as [string, string] : [arg];
    const value = () => {
      const v = inline ?? args[++i];
      if (v === undefined) throw new TypeError(`Cannot parse '${flag}' as it needs a value`);
      return v;
    };
    if (flag === "--quick") parsed.mode = "quick";
    else if (flag === "--help" || flag === "-h") parsed.help = true;
    else if (flag === "--out") parsed.out = value();
    else if (flag === "--cache-dir") parsed.cacheDir = value();
    else if (flag === "--device") {
      const device = value();
      if (device !== "cpu" && device !== "cuda" && device !== "webgpu") {
        throw new TypeError(
          `Cannot parse '--device' as it must be cpu, cuda or webgpu: current value is ${device}`,
        );
      }
      parsed.device = device;
    } else if (flag === "--only") {
      const names = value().split(",").map((s) => s.trim()).filter(Boolean);
      for (const name of names) {
        if (!(SECTIONS as readonly string[]).includes(name)) {
          throw new TypeError(
            `Cannot parse '--only' as '${name}' is not a section: expected ${SECTIONS.join(", ")}`,
          );
        }
      }
      parsed.sections = SECTIONS.filter((s) => names.includes(s));
    } else {
      throw new TypeError(`Cannot parse '${arg}' as it is not an option of the suite`);
    }
  }
  if (parsed.device === "webgpu" && !args.some((a) => a === "--out" || a.startsWith("--out="))) {
    parsed.out = `${ROOT}bench/results-webgpu.json`;
  }
  return parsed;
}
