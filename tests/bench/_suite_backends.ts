/**
 * Opens the tensor backends the suite measures, through the project's own `shared/ort` adapter:
 * onnxruntime-node (`cpu`, or `cuda` with `--device cuda`), onnxruntime-web wasm (one thread) and
 * onnxruntime-web WebGPU (Deno's adapter: Mesa llvmpipe here). A backend that cannot open is
 * recorded with the reason instead.
 */

import { type Backend, createBackend, type ModelSession } from "../../shared/ort/mod.ts";
import { nodeRuntime } from "../../shared/ort/node.ts";
import { webRuntime } from "../../shared/ort/web.ts";
import type { Skipped } from "./_suite_stats.ts";

/** Backend names as they appear in figures. */
export type BackendName = "cpu" | "cuda" | "wasm" | "webgpu";

/** An opened backend. */
export interface BenchBackend {
  name: BackendName;
  /** `onnxruntime-node` or `onnxruntime-web`. */
  runtime: string;
  backend: Backend;
}

/** A backend the suite asked for, and how that went. */
export interface BackendStatus {
  name: BackendName;
  runtime: string;
  available: boolean;
  reason?: string;
  /** The WebGPU adapter's description (e.g. `llvmpipe (LLVM 15.0.6, 256 bits)`). */
  adapter?: string;
}

async function adapterDescription(): Promise<string | undefined> {
  const gpu = (navigator as { gpu?: GPU }).gpu;
  const adapter = await gpu?.requestAdapter().catch(() => null);
  return adapter?.info.description || undefined;
}

/** Opens one backend; the `name` of the server backend is the `--device` choice. */
export async function openBackend(name: BackendName): Promise<BenchBackend> {
  const server = name === "cpu" || name === "cuda";
  const runtime = server ? nodeRuntime() : webRuntime({ numThreads: 1 });
  const backend = await createBackend({ devices: [name], runtimes: [runtime] });
  return { name, runtime: runtime.name, backend };
}

/**
 * Opens `names` in order. Each failure becomes a {@linkcode BackendStatus} with its reason and a
 * skipped entry, never an exception.
 */
export async function openBackends(
  names: readonly BackendName[],
): Promise<{ open: BenchBackend[]; statuses: BackendStatus[]; skipped: Skipped[] }> {
  const open: BenchBackend[] = [];
  const statuses: BackendStatus[] = [];
  const skipped: Skipped[] = [];
  for (const name of names) {
    const runtime = name === "cpu" || name === "cuda" ? "onnxruntime-node" : "onnxruntime-web";
    try {
      const opened = await openBackend(name);
      open.push(opened);
      const adapter = name === "webgpu" ? await adapterDescription() : undefined;
      statuses.push({ name, runtime, available: true, ...(adapter ? { adapter } : {}) });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      statuses.push({ name, runtime, available: false, reason });
      skipped.push({ id: `backend.${name}`, reason });
    }
  }
  return { open, statuses, skipped };
}

/** Where a network's files are: the graph and, for large models, its external data. */
export interface NetworkFiles {
  modelPath: string;
  dataPath?: string;
}

/**
 * Loads a network on a backend: onnxruntime-node reads the paths itself; onnxruntime-web gets
 * the bytes (and the external data bytes) as a browser would after downloading them.
 */
export async function loadNetwork(
  bench: Pick<BenchBackend, "runtime" | "backend">,
  files: NetworkFiles,
): Promise<ModelSession> {
  if (bench.runtime === "onnxruntime-node") {
    return await bench.backend.createSession(files.modelPath);
  }
  const model = await Deno.readFile(files.modelPath);
  if (files.dataPath === undefined) return await bench.backend.createSession(model);
  const path = files.dataPath.slice(files.dataPath.lastIndexOf("/") + 1);
  const data = await Deno.readFile(files.dataPath);
  return await bench.backend.createSession(model, { externalData: [{ path, data }] });
}
