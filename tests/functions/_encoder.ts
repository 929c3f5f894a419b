/**
 * A recording encoder for route tests that are about HTTP (auth, limits, caching, formats), not
 * numerics: embeddings are a deterministic function of the prompt text so that responses can be
 * checked bit for bit. The real text encoder is exercised in `routes/encode_test.ts`.
 */
import type { Encoder, PromptEmbeddings } from "../../functions/services/encoder/encoder.ts";

/** Embeddings `value(i) = (code sum of text) / 1000 + i / 8`, shape [1, 77, dim]. */
export function expectedEmbeddings(prompt: string, negative: string, dim = 32): PromptEmbeddings {
  const fill = (text: string) => {
    const base = [...text].reduce((sum, ch) => sum + ch.codePointAt(0)!, 0) / 1000;
    return Float32Array.from({ length: 77 * dim }, (_, i) => base + (i % 97) / 8);
  };
  return { cond: fill(prompt), uncond: fill(negative), shape: [1, 77, dim] };
}

/** An encoder returning {@linkcode expectedEmbeddings} and counting calls. */
export function recordingEncoder(): Encoder & { calls: number } {
  const encoder = {
    calls: 0,
    encode(_model: string, input: { prompt: string; negativePrompt: string }) {
      encoder.calls++;
      return Promise.resolve(expectedEmbeddings(input.prompt, input.negativePrompt));
    },
  };
  return encoder;
}
