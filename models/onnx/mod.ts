/**
 * ONNX model building: a typed graph builder, PyTorch-like layers, and the ModelProto writer.
 *
 * @module
 */

export * from "./graph.ts";
export * from "./nn.ts";
export * from "./write.ts";
