/**
 * A two-node ONNX graph (`y = x + x`, float32 [1, 4]) encoded by hand, used to check that a device
 * really works (its execution provider loads, a session builds and runs) before any model is
 * downloaded. 100-odd bytes, no protobuf library.
 *
 * @module
 */

function varint(value: number): number[] {
  const out: number[] = [];
  let v = value;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

function tag(field: number, wire: number): number[] {
  return varint((field << 3) | wire);
}

function intField(field: number, value: number): number[] {
  return [...tag(field, 0), ...varint(value)];
}

function bytesField(field: number, bytes: number[]): number[] {
  return [...tag(field, 2), ...varint(bytes.length), ...bytes];
}

function stringField(field: number, text: string): number[] {
  return bytesField(field, [...new TextEncoder().encode(text)]);
}

function valueInfo(name: string): number[] {
  const dims = [1, 4].flatMap((d) => bytesField(1, intField(1, d)));
  // TypeProto.tensor_type { elem_type FLOAT(1), shape { dim... } }
  const tensorType = [...intField(1, 1), ...bytesField(2, dims)];
  return [...stringField(1, name), ...bytesField(2, bytesField(1, tensorType))];
}

/** The encoded `ModelProto` (IR 8, opset 17). */
export const PROBE_MODEL: Uint8Array = new Uint8Array([
  ...intField(1, 8),
  ...bytesField(
    7,
    [
      ...bytesField(1, [
        ...stringField(1, "x"),
        ...stringField(1, "x"),
        ...stringField(2, "y"),
        ...stringField(4, "Add"),
      ]),
      ...stringField(2, "probe"),
      ...bytesField(11, valueInfo("x")),
      ...bytesField(12, valueInfo("y")),
    ],
  ),
  ...bytesField(8, [...stringField(1, ""), ...intField(2, 17)]),
]);

/** The probe's input: feeding it must give twice these values. */
export const PROBE_INPUT: Float32Array = Float32Array.of(1, 2, 3, 4);
