/**
 * Serialises a {@linkcode GraphBuilder} to an ONNX `ModelProto` (opset 17, IR version 8), either
 * in memory or to disk with ONNX external data (`model.onnx` + `model.onnx_data`) so models over
 * the 2 GB protobuf limit work. On disk, parameters are pulled from the weight source and written
 * one at a time, and both files appear atomically (written as `.incomplete`, then renamed).
 *
 * @module
 */

import { onnx } from "./_proto.ts";
import { elementCount, toFloat16Bytes } from "../../shared/tensor/mod.ts";
import {
  type AttributeValue,
  type GraphBuilder,
  type GraphIO,
  type Initializer,
  MICROSOFT_DOMAIN,
  ONNX_ELEMENT_TYPE,
} from "./graph.ts";

/** Opset of the default domain the builder targets. */
export const OPSET_VERSION = 17;
/** ONNX IR version written into models. */
export const IR_VERSION = 8;
const PRODUCER = "sd-edge models/onnx";
/** External tensors start on this boundary, like onnx's own writer. */
const ALIGNMENT = 4096;

/** Options of {@linkcode encodeModel}. */
export interface EncodeModelOptions {
  /**
   * When set, initializers of at least `externalThreshold` bytes go to a separate data blob
   * referenced by this file name (relative to the model).
   */
  externalDataFile?: string;
  /** Smallest initializer moved to external data, in bytes. @default {1024} */
  externalThreshold?: number;
}

/** Raw little-endian bytes of an initializer in its storage type. */
export function initializerBytes(init: Initializer): Uint8Array {
  const data = init.data();
  if (data === null) {
    throw new Error(`Cannot encode parameter '${init.name}': its weight source has no data`);
  }
  const expected = elementCount(init.dims);
  if (data.length !== expected) {
    throw new RangeError(
      `Cannot encode '${init.name}' with shape [${init.dims}]: got ${data.length} values, expected ${expected}`,
    );
  }
  if (data instanceof Float32Array && init.dtype === "float16") return toFloat16Bytes(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function valueInfo(io: GraphIO) {
  return onnx.ValueInfoProto.create({
    name: io.name,
    type: {
      tensorType: {
        elemType: ONNX_ELEMENT_TYPE[io.dtype],
        shape: {
          dim: io.shape.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })),
        },
      },
    },
  });
}

function attribute(name: string, value: AttributeValue) {
  const A = onnx.AttributeProto.AttributeType;
  if (typeof value === "string") {
    return { name, type: A.STRING, s: new TextEncoder().encode(value) };
  }
  if (typeof value === "number") {
    return Number.isInteger(value) && !Object.is(value, -0) && !FLOAT_ATTRIBUTES.has(name)
      ? { name, type: A.INT, i: value }
      : { name, type: A.FLOAT, f: value };
  }
  if (value.length > 0 && typeof value[0] === "string") {
    return {
      name,
      type: A.STRINGS,
      strings: (value as string[]).map((s) => new TextEncoder().encode(s)),
    };
  }
  return FLOAT_ATTRIBUTES.has(name)
    ? { name, type: A.FLOATS, floats: value as number[] }
    : { name, type: A.INTS, ints: value as number[] };
}

/** Attributes that ONNX defines as floats even when the value happens to be an integer. */
const FLOAT_ATTRIBUTES = new Set([
  "alpha",
  "beta",
  "cubic_coeff_a",
  "epsilon",
  "extrapolation_value",
  "gamma",
  "scale",
  "scales",
  "value_float",
  "value_floats",
]);

function tensorProto(
  init: Initializer,
  location: { file: string; offset: number; length: number } | null,
) {
  const base = { name: init.name, dims: init.dims, dataType: ONNX_ELEMENT_TYPE[init.dtype] };
  if (location === null) {
    return onnx.TensorProto.create({ ...base, rawData: initializerBytes(init) });
  }
  return onnx.TensorProto.create({
    ...base,
    dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
    externalData: [
      { key: "location", value: location.file },
      { key: "offset", value: String(location.offset) },
      { key: "length", value: String(location.length) },
    ],
  });
}

function modelProto(g: GraphBuilder, initializers: unknown[]): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: IR_VERSION,
    producerName: PRODUCER,
    opsetImport: [
      { domain: "", version: OPSET_VERSION },
      ...(g.nodes.some((n) => n.domain === MICROSOFT_DOMAIN)
        ? [{ domain: MICROSOFT_DOMAIN, version: 1 }]
        : []),
    ],
    graph: onnx.GraphProto.create({
      name: g.name,
      node: g.nodes.map((n, i) =>
        onnx.NodeProto.create({
          name: `${n.opType}_${i}`,
          opType: n.opType,
          ...(n.domain ? { domain: n.domain } : {}),
          input: n.inputs,
          output: n.outputs,
          attribute: Object.entries(n.attributes).map(([k, v]) => attribute(k, v)),
        })
      ),
      initializer: initializers,
      input: g.inputs.map(valueInfo),
      output: g.outputs.map(valueInfo),
    }),
  });
  return onnx.ModelProto.encode(model).finish();
}

/**
 * Encodes the graph in memory. With `externalDataFile`, large initializers are returned in
 * `data` instead of inside `model`.
 *
 * @example Usage
 * ```ts ignore
 * const { model } = encodeModel(g);
 * const session = await ort.InferenceSession.create(model);
 * ```
 */
export function encodeModel(
  g: GraphBuilder,
  options: EncodeModelOptions = {},
): { model: Uint8Array; data?: Uint8Array } {
  const threshold = options.externalThreshold ?? 1024;
  const chunks: Uint8Array[] = [];
  let offset = 0;
  const initializers = g.initializers.map((init) => {
    if (options.externalDataFile === undefined) return tensorProto(init, null);
    const bytes = initializerBytes(init);
    if (bytes.byteLength < threshold) return tensorProto(init, null);
    const padding = (ALIGNMENT - (offset % ALIGNMENT)) % ALIGNMENT;
    if (padding) chunks.push(new Uint8Array(padding));
    offset += padding;
    chunks.push(bytes.slice());
    const location = { file: options.externalDataFile, offset, length: bytes.byteLength };
    offset += bytes.byteLength;
    return tensorProto(init, location);
  });
  const model = modelProto(g, initializers);
  if (options.externalDataFile === undefined) return { model };
  const data = new Uint8Array(offset);
  let at = 0;
  for (const c of chunks) {
    data.set(c, at);
    at += c.byteLength;
  }
  return { model, data };
}

/** Options of {@linkcode writeModel}. */
export interface WriteModelOptions {
  /** File name of the graph. @default {"model.onnx"} */
  fileName?: string;
  /**
   * Store weights in `<fileName>_data` next to the graph: `true`, `false`, or `"auto"` (only
   * when the weights exceed 1.5 GB).
   * @default {"auto"}
   */
  externalData?: boolean | "auto";
}

/** Paths and sizes of a written model. */
export interface WrittenModel {
  modelPath: string;
  dataPath?: string;
  bytes: number;
}

/**
 * Writes the graph to `dir` (created if needed). Parameters are pulled from the weight source one
 * at a time and streamed to the external data file, so memory stays near one tensor.
 *
 * @example Usage
 * ```ts ignore
 * await writeModel(buildUnet(config, weights), "out/unet", { externalData: true });
 * ```
 */
export async function writeModel(
  g: GraphBuilder,
  dir: string,
  options: WriteModelOptions = {},
): Promise<WrittenModel> {
  const fileName = options.fileName ?? "model.onnx";
  const dataName = `${fileName}_data`;
  await Deno.mkdir(dir, { recursive: true });
  const modelPath = `${dir}/${fileName}`;
  const dataPath = `${dir}/${dataName}`;
  const bytesPerElement = g.weightDType === "float16" ? 2 : 4;
  const weightBytes = g.initializers.reduce(
    (sum, i) => sum + elementCount(i.dims) * bytesPerElement,
    0,
  );
  const external = options.externalData === "auto" || options.externalData === undefined
    ? weightBytes > 1.5 * 2 ** 30
    : options.externalData;
  if (!external) {
    const { model } = encodeModel(g);
    await Deno.writeFile(`${modelPath}.incomplete`, model);
    await Deno.rename(`${modelPath}.incomplete`, modelPath);
    await Deno.remove(dataPath).catch(() => {});
    return { modelPath, bytes: model.byteLength };
  }
  const file = await Deno.open(`${dataPath}.incomplete`, {
    write: true,
    create: true,
    truncate: true,
  });
  let offset = 0;
  const initializers: unknown[] = [];
  try {
    for (const init of g.initializers) {
      const bytes = initializerBytes(init);
      if (bytes.byteLength < 1024) {
        initializers.push(tensorProto(init, null));
        continue;
      }
      const padding = (ALIGNMENT - (offset % ALIGNMENT)) % ALIGNMENT;
      if (padding) await writeAll(file, new Uint8Array(padding));
      offset += padding;
      await writeAll(file, bytes);
      initializers.push(tensorProto(init, { file: dataName, offset, length: bytes.byteLength }));
      offset += bytes.byteLength;
    }
  } finally {
    file.close();
  }
  const model = modelProto(g, initializers);
  await Deno.writeFile(`${modelPath}.incomplete`, model);
  await Deno.rename(`${dataPath}.incomplete`, dataPath);
  await Deno.rename(`${modelPath}.incomplete`, modelPath);
  return { modelPath, dataPath, bytes: model.byteLength + offset };
}

async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  let written = 0;
  while (written < bytes.byteLength) written += await file.write(bytes.subarray(written));
}
