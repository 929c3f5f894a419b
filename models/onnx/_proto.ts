/**
 * The ONNX protobuf schema, from the `onnx-proto` npm package (protobufjs static code generated
 * from onnx.proto). Wrapped here so the rest of the builder gets typed access in one place.
 *
 * @module
 */

import onnxProto from "onnx-proto";

// deno-lint-ignore no-explicit-any
type Message = any;

/** The generated `onnx` namespace: `ModelProto`, `GraphProto`, `NodeProto`, … */
export const onnx: {
  ModelProto: Message;
  GraphProto: Message;
  NodeProto: Message;
  TensorProto: Message;
  ValueInfoProto: Message;
  AttributeProto: Message;
} = (onnxProto as unknown as { onnx: Message }).onnx;
