/**
 * ONNX model building: a typed graph builder, PyTorch-like layers, the ModelProto writer (opset
 * 17, external data, float16 weights), and shape inference with a FLOP counter.
 *
 * @module
 */

export * from "./graph.ts";
export * from "./nn.ts";
export * from "./write.ts";
export * from "./shapes.ts";
export * from "./flops.ts";
