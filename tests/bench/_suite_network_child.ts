/**
 * Child process that loads one random-weight network through the project's `shared/ort` backend
 * and times it, for runs that may exhaust memory (full-size networks on WebGPU) or whose outputs
 * are compared across weight types (float16 vs float32). A failure is reported as a result with
 * its reason, not as a crash.
 *
 * `deno run -A tests/bench/_suite_network_child.ts '{"args":{"backend":"webgpu",...}}'`
 */

import { type BackendName, loadNetwork, openBackend } from "./_suite_backends.ts";
import { childArgs, reportResult, residentMemory, runChild } from "./_suite_child.ts";
import type { SuiteContext } from "./_suite_context.ts";
import {
  type Component,
  ensureRandomNetwork,
  inputShapes,
  type ModelSize,
  networkFeeds,
} from "./_suite_models.ts";
import { timeRepeats } from "./_suite_stats.ts";

/** What the parent asks for. */
export interface NetworkChildArgs {
  backend: BackendName;
  size: ModelSize;
  component: Component;
  latent: number;
  cacheDir: string;
  weightDType?: "float32" | "float16";
  /** The fused-attention variant of the network. @default {false} */
  fusedAttention?: boolean;
  warmup: number;
  repeats: number;
  /** Return the first output of the last run (flat). @default {false} */
  returnOutput?: boolean;
}

/** The child's answer. */
export type NetworkChildResult =
  | {
    ok: true;
    loadMs: number;
    samples: number[];
    otherCores: number;
    modelBytes: number;
    /** The process's peak resident memory (VmHWM) after the runs. */
    peakBytes: number;
    output?: number[];
  }
  | { ok: false; stage: "load" | "run"; reason: string };

function message(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0]!.trim();
}

async function run(args: NetworkChildArgs): Promise<NetworkChildResult> {
  const files = await ensureRandomNetwork(args.size, args.component, {
    cacheDir: args.cacheDir,
    ...(args.weightDType ? { weightDType: args.weightDType } : {}),
    ...(args.fusedAttention ? { fusedAttention: true } : {}),
  });
  const bench = await openBackend(args.backend);
  const loadStart = performance.now();
  let session;
  try {
    session = await loadNetwork(bench, files);
  } catch (error) {
    return { ok: false, stage: "load", reason: message(error) };
  }
  const loadMs = performance.now() - loadStart;
  const feeds = networkFeeds(await inputShapes(args.size, args.component, args.latent));
  let last: Record<string, { data: ArrayLike<number | bigint> }> = {};
  try {
    const { samples, otherCores } = await timeRepeats(async () => {
      last = await session.run(feeds);
    }, { warmup: args.warmup, repeats: args.repeats });
    const first = Object.values(last)[0]?.data;
    const output = args.returnOutput && first ? Array.from(first, Number) : undefined;
    return {
      ok: true,
      loadMs,
      samples,
      otherCores,
      modelBytes: files.bytes,
      peakBytes: residentMemory().peakBytes,
      ...(output ? { output } : {}),
    };
  } catch (error) {
    return { ok: false, stage: "run", reason: message(error) };
  } finally {
    await session.release();
    await bench.backend.dispose();
  }
}

/**
 * Parent side: runs this child with `args`; a failed load or run is recorded as a skip of `id` on
 * `ctx` (and gives `null`), a successful one returns its result.
 */
export async function runNetworkChild(
  ctx: SuiteContext,
  id: string,
  args: NetworkChildArgs,
): Promise<Extract<NetworkChildResult, { ok: true }> | null> {
  const { result } = await runChild<NetworkChildResult>("_suite_network_child.ts", args, {
    timeoutMs: 900_000,
  });
  if (result.ok) return result;
  ctx.skip(id, `${result.stage}: ${result.reason}`);
  return null;
}

if (import.meta.main) reportResult(await run(childArgs<NetworkChildArgs>()));
