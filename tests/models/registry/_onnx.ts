/**
 * Test helpers over built ONNX files: parameter initializers (name → element count) read with
 * onnx-proto, and tensor names of the reference safetensors checkpoints.
 */

import onnxProto from "onnx-proto";
import { readFixtureBytes } from "../../_fixtures.ts";

const { onnx } = onnxProto;

/** Element count of every initializer of an ONNX model, by name. */
export function initializerSizes(model: Uint8Array): Map<string, number> {
  const proto = onnx.ModelProto.decode(model);
  return new Map(
    (proto.graph?.initializer ?? []).map((t) => [
      String(t.name),
      (t.dims ?? []).reduce((a: number, b) => a * Number(b), 1),
    ]),
  );
}

/** The raw little-endian bytes of every initializer, by name (embedded data only). */
export function initializerBytes(model: Uint8Array): Map<string, Uint8Array> {
  const proto = onnx.ModelProto.decode(model);
  return new Map(
    (proto.graph?.initializer ?? []).map((t) => [String(t.name), t.rawData ?? new Uint8Array()]),
  );
}

/** Tensor shapes of a reference safetensors file (`diffusers/<component>/<file>`), by name. */
export async function referenceTensors(path: string): Promise<Map<string, number[]>> {
  const bytes = await readFixtureBytes(`models/tiny-sd-reference/diffusers/${path}`);
  const length = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length)));
  delete header.__metadata__;
  return new Map(
    Object.entries(header as Record<string, { shape: number[] }>).map(([k, v]) => [k, v.shape]),
  );
}
