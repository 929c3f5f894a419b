/**
 * onnxruntime for tests, only through `shared/ort` (the one importer of onnxruntime): one
 * onnxruntime-node CPU backend per test process, sessions from bytes or a path, host tensors as
 * `{ data, dims }`.
 */
import {
  type Backend,
  createBackend,
  type HostTensor,
  type HostTensorData,
  type ModelSession,
} from "../shared/ort/mod.ts";
import { nodeRuntime } from "../shared/ort/node.ts";

let backend: Promise<Backend> | undefined;

/** A CPU session (onnxruntime-node) of an ONNX model's bytes or file path. */
export async function cpuSession(source: Uint8Array | string): Promise<ModelSession> {
  backend ??= createBackend({ devices: ["cpu"], runtimes: [nodeRuntime()] });
  return await (await backend).createSession(source);
}

/** A host tensor. */
export function tensor(data: HostTensorData, dims: readonly number[]): HostTensor {
  return { data, dims };
}
