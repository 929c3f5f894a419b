/**
 * Reads NumPy `.npy` files (format 1.0/2.0, little-endian, C order) as used by the golden tensors in
 * `../shared/fixtures/models/tiny-sd-reference/golden/`. Test-only helper.
 */

import { readFixtureBytes } from "./_fixtures.ts";

/** A tensor read from a `.npy` file. */
export interface NpyArray {
  dtype: "float32" | "int32" | "int64" | "uint8";
  shape: number[];
  data: Float32Array | Int32Array | BigInt64Array | Uint8Array;
}

const DTYPES: Record<string, NpyArray["dtype"]> = {
  "<f4": "float32",
  "<i4": "int32",
  "<i8": "int64",
  "|u1": "uint8",
};

/** Parses the bytes of a `.npy` file. */
export function parseNpy(bytes: Uint8Array): NpyArray {
  const magic = String.fromCharCode(...bytes.subarray(1, 6));
  if (bytes[0] !== 0x93 || magic !== "NUMPY") throw new TypeError("Not a .npy file");
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = major === 1 ? 10 : 12;
  const header = new TextDecoder().decode(bytes.subarray(headerStart, headerStart + headerLength));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1] ?? "";
  const fortran = /'fortran_order':\s*True/.test(header);
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1] ?? "";
  const dtype = DTYPES[descr];
  if (!dtype || fortran) throw new TypeError(`Unsupported .npy header: ${header}`);
  const shape = shapeText.split(",").map((s) => s.trim()).filter((s) => s !== "").map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const start = headerStart + headerLength;
  const raw = bytes.slice(start).buffer;
  const data = dtype === "float32"
    ? new Float32Array(raw, 0, count)
    : dtype === "int32"
    ? new Int32Array(raw, 0, count)
    : dtype === "int64"
    ? new BigInt64Array(raw, 0, count)
    : new Uint8Array(raw, 0, count);
  return { dtype, shape, data };
}

/** Reads a golden tensor of the tiny reference model by file name, e.g. `e2e.initial_noise.npy`. */
export async function readGolden(file: string): Promise<NpyArray> {
  return parseNpy(await readFixtureBytes(`models/tiny-sd-reference/golden/${file}`));
}

/** Reads a `.npy` file under `../shared/fixtures/`, e.g. `img2img/golden/x.npy`. */
export async function readFixtureNpy(relative: string): Promise<NpyArray> {
  return parseNpy(await readFixtureBytes(relative));
}

/** A golden tensor's values as float32 (float data as is, integers converted). */
export function asFloat32(array: NpyArray): Float32Array {
  return array.data instanceof Float32Array
    ? array.data
    : Float32Array.from(array.data as ArrayLike<number | bigint>, Number);
}
