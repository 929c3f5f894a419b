/**
 * Writes float32 `.safetensors` files the way the reference writer (huggingface/safetensors) lays
 * them out: names sorted, contiguous data offsets, the JSON header padded with spaces to a multiple
 * of 8 bytes, `{"__metadata__": {"format": "pt"}}` first. {@linkcode encodeSafetensors} builds the
 * bytes in memory (tests, small models); {@linkcode writeSafetensors} streams tensors one at a time
 * from a {@linkcode WeightSource} to disk (conversion of full-size checkpoints).
 *
 * @module
 */

import { elementCount } from "../../shared/tensor/mod.ts";
import type { WeightSource } from "../onnx/graph.ts";

/** A tensor to write. */
export interface SafetensorsTensor {
  shape: number[];
  data: Float32Array;
}

/** The padded header bytes and total data size for float32 tensors in name order. */
function headerFor(
  shapes: ReadonlyMap<string, readonly number[]>,
  metadata: Record<string, string>,
): { header: Uint8Array; dataBytes: number; names: string[] } {
  const names = [...shapes.keys()].sort();
  const json: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const name of names) {
    const shape = shapes.get(name)!;
    const bytes = elementCount(shape) * 4;
    json[name] = { dtype: "F32", shape: [...shape], data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let text = JSON.stringify(json);
  // Pad the encoded bytes (not UTF-16 units: names may be non-ASCII) to a multiple of 8.
  const raw = new TextEncoder().encode(text);
  text += " ".repeat((8 - (raw.byteLength % 8)) % 8);
  return { header: new TextEncoder().encode(text), dataBytes: offset, names };
}

function lengthPrefix(headerBytes: number): Uint8Array {
  const prefix = new Uint8Array(8);
  new DataView(prefix.buffer).setBigUint64(0, BigInt(headerBytes), true);
  return prefix;
}

/**
 * Serialises float32 tensors as safetensors bytes.
 *
 * @example Usage
 * ```ts ignore
 * const bytes = encodeSafetensors({ "conv.weight": { shape: [2], data: Float32Array.of(1, 2) } });
 * await Deno.writeFile("model.safetensors", bytes);
 * ```
 */
export function encodeSafetensors(
  tensors: Record<string, SafetensorsTensor>,
  metadata: Record<string, string> = { format: "pt" },
): Uint8Array {
  const shapes = new Map<string, number[]>();
  for (const [name, t] of Object.entries(tensors)) {
    if (t.data.length !== elementCount(t.shape)) {
      throw new RangeError(`Tensor '${name}' has ${t.data.length} values for shape [${t.shape}]`);
    }
    shapes.set(name, t.shape);
  }
  const { header, dataBytes, names } = headerFor(shapes, metadata);
  const out = new Uint8Array(8 + header.byteLength + dataBytes);
  out.set(lengthPrefix(header.byteLength), 0);
  out.set(header, 8);
  let at = 8 + header.byteLength;
  for (const name of names) {
    const d = tensors[name]!.data;
    out.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), at);
    at += d.byteLength;
  }
  return out;
}

/** Options of {@linkcode writeSafetensors}. */
export interface WriteSafetensorsOptions {
  /** `__metadata__` of the header. @default {{ format: "pt" }} */
  metadata?: Record<string, string>;
}

/**
 * Writes the tensors `shapes` names, pulling each one from `source` only when its turn comes, so
 * memory stays near one tensor. The file appears atomically (`.incomplete`, then renamed).
 * Returns the number of bytes written.
 *
 * @example Usage
 * ```ts ignore
 * const shapes = new Map([["conv.weight", [320, 4, 3, 3]]]);
 * await writeSafetensors("unet.safetensors", shapes, createRandomWeights({ seed: 1 }));
 * ```
 */
export async function writeSafetensors(
  path: string,
  shapes: ReadonlyMap<string, readonly number[]>,
  source: WeightSource,
  options: WriteSafetensorsOptions = {},
): Promise<number> {
  const { header, dataBytes, names } = headerFor(shapes, options.metadata ?? { format: "pt" });
  const partial = `${path}.incomplete`;
  const file = await Deno.open(partial, { write: true, create: true, truncate: true });
  try {
    await writeAll(file, lengthPrefix(header.byteLength));
    await writeAll(file, header);
    for (const name of names) {
      const shape = shapes.get(name)!;
      const data = source.get(name, shape);
      if (data === null) {
        throw new TypeError(`Cannot write tensor '${name}': its weight source has no data`);
      }
      if (data.length !== elementCount(shape)) {
        throw new RangeError(`Tensor '${name}' has ${data.length} values for shape [${shape}]`);
      }
      await writeAll(file, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    }
  } catch (error) {
    file.close();
    await Deno.remove(partial).catch(() => {});
    throw error;
  }
  file.close();
  await Deno.rename(partial, path);
  return 8 + header.byteLength + dataBytes;
}

async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  let written = 0;
  while (written < bytes.byteLength) written += await file.write(bytes.subarray(written));
}
