/**
 * The prompt-encoder interface the `/v1/encode` route depends on. The production implementation
 * (`pipeline_encoder.ts`) runs the model's CLIP text encoder through the shared pipeline; the
 * route only sees this interface.
 *
 * @module
 */

/** Prompt and negative-prompt embeddings, each `[1, 77, dim]`. */
export interface PromptEmbeddings {
  cond: Float32Array;
  uncond: Float32Array;
  shape: [1, number, number];
}

/** What to encode. */
export interface EncodeInput {
  prompt: string;
  negativePrompt: string;
}

/** Encodes prompts with a served model's text encoder. */
export interface Encoder {
  /** Encodes `input` with model `model`; the model is known to be served. */
  encode(model: string, input: EncodeInput): Promise<PromptEmbeddings>;
}
