/**
 * The Stable Diffusion networks as ONNX graphs, config-driven with diffusers'/transformers'
 * config keys and initializers named after their state-dict names.
 *
 * @module
 */

export * from "./clip_text_encoder.ts";
export * from "./unet.ts";
export * from "./vae.ts";
