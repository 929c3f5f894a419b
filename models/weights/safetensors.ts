/**
 * Reads `.safetensors` files (the diffusers/transformers checkpoint format): an 8-byte
 * little-endian header length, a JSON header `{ name: { dtype, shape, data_offsets } }`, then raw
 * little-endian tensor data. The reader parses only the header up front and reads each tensor from
 * the file when asked for, so a 4 GB checkpoint never sits in memory at once.
 *
 * @module
 */

import { elementCount, fromFloat16Bits } from "../../shared/tensor/mod.ts";
import type { WeightSource } from "../onnx/graph.ts";

/** Storage types this reader converts to float32. */
export type SafetensorsDType = "F32" | "F16" | "BF16";

/** One entry of a safetensors header. */
export interface SafetensorsEntry {
  dtype: string;
  shape: number[];
  /** [begin, end) byte offsets relative to the end of the header. */
  data_offsets: [number, number];
}

/** A safetensors file opened for reading, usable directly as a {@linkcode WeightSource}. */
export interface SafetensorsWeights extends WeightSource {
  /** Path of the file. */
  readonly path: string;
  /** Tensor names in the file. */
  names(): string[];
  /** The header entry of a tensor, or `null` when absent. */
  entry(name: string): SafetensorsEntry | null;
  /** Names never requested through `get()`: extra tensors a converter should report. */
  unused(): string[];
  /** Closes the file handle. */
  close(): void;
}

const BYTES: Record<string, number> = { F32: 4, F16: 2, BF16: 2 };
/** The format caps headers at 100 MB; a larger length means a corrupt or foreign file. */
const MAX_HEADER_BYTES = 100_000_000;

function parseHeader(path: string, bytes: Uint8Array): Map<string, SafetensorsEntry> {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new TypeError(`Cannot read '${path}': its safetensors header is not valid JSON`);
  }
  const entries = new Map<string, SafetensorsEntry>();
  for (const [name, value] of Object.entries(json)) {
    if (name === "__metadata__") continue;
    const e = value as Partial<SafetensorsEntry>;
    if (
      typeof e?.dtype !== "string" || !Array.isArray(e.shape) || !Array.isArray(e.data_offsets)
    ) {
      throw new TypeError(`Cannot read '${path}': header entry '${name}' is malformed`);
    }
    entries.set(name, e as SafetensorsEntry);
  }
  return entries;
}

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/** Widens raw little-endian tensor bytes (a fresh buffer, offset 0) to float32. */
function toFloat32(dtype: string, raw: Uint8Array): Float32Array {
  const count = raw.byteLength / (BYTES[dtype] ?? 1);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  if (dtype === "F32" && LITTLE_ENDIAN && raw.byteOffset === 0) {
    return new Float32Array(raw.buffer, 0, count);
  }
  const out = new Float32Array(count);
  if (dtype === "F32") {
    for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
  } else if (dtype === "F16") {
    for (let i = 0; i < count; i++) out[i] = fromFloat16Bits(view.getUint16(i * 2, true));
  } else if (dtype === "BF16") {
    const u32 = new Uint32Array(out.buffer);
    for (let i = 0; i < count; i++) u32[i] = view.getUint16(i * 2, true) << 16;
  }
  return out;
}

/**
 * Opens a safetensors file. `get(name, shape)` reads and converts one tensor, throwing an Error
 * naming the tensor when it is missing or its shape differs.
 *
 * @example Usage
 * ```ts ignore
 * const weights = await openSafetensors("unet/diffusion_pytorch_model.safetensors");
 * const g = buildUnet(config, weights);
 * ```
 */
export async function openSafetensors(path: string): Promise<SafetensorsWeights> {
  const file = await Deno.open(path, { read: true });
  try {
    const size = (await file.stat()).size;
    const prefix = new Uint8Array(8);
    readExactSync(file, prefix, 0, path);
    const headerLength = Number(new DataView(prefix.buffer).getBigUint64(0, true));
    if (headerLength <= 0 || headerLength > MAX_HEADER_BYTES || 8 + headerLength > size) {
      throw new TypeError(`Cannot read '${path}': header length ${headerLength} is out of range`);
    }
    const header = new Uint8Array(headerLength);
    readExactSync(file, header, 8, path);
    const entries = parseHeader(path, header);
    const dataStart = 8 + headerLength;
    const used = new Set<string>();
    return {
      path,
      names: () => [...entries.keys()],
      entry: (name) => entries.get(name) ?? null,
      unused: () => [...entries.keys()].filter((n) => !used.has(n)),
      close: () => file.close(),
      get(name, shape) {
        const e = entries.get(name);
        if (!e) throw new Error(`Missing tensor '${name}' in ${path}`);
        if (e.shape.join(",") !== shape.join(",")) {
          throw new RangeError(
            `Tensor '${name}' in ${path} has shape [${e.shape}], expected [${shape}]`,
          );
        }
        if (BYTES[e.dtype] === undefined) {
          throw new TypeError(
            `Cannot load tensor '${name}' from ${path}: dtype ${e.dtype} is not F32, F16 or BF16`,
          );
        }
        const [begin, end] = e.data_offsets;
        if (dataStart + end > size || end - begin !== elementCount(shape) * (BYTES[e.dtype] ?? 0)) {
          throw new RangeError(`Tensor '${name}' in ${path} has inconsistent data offsets`);
        }
        const raw = new Uint8Array(end - begin);
        readExactSync(file, raw, dataStart + begin, path);
        used.add(name);
        return toFloat32(e.dtype, raw);
      },
    };
  } catch (error) {
    file.close();
    throw error;
  }
}

function readExactSync(file: Deno.FsFile, into: Uint8Array, position: number, path: string) {
  file.seekSync(position, Deno.SeekMode.Start);
  let read = 0;
  while (read < into.byteLength) {
    const n = file.readSync(into.subarray(read));
    if (n === null) throw new RangeError(`Cannot read '${path}': file is truncated`);
    read += n;
  }
}
