/**
 * Prompt encoding: CLIP token ids for the prompt and the negative prompt, run through the text
 * encoder, giving the conditional and unconditional embeddings the UNet attends to.
 *
 * @module
 */

import type { ModelSession } from "../ort/mod.ts";
import type { PromptEmbeddings, PromptTokenizer } from "./types.ts";
import { fixedBatch, ioNamed, planRuns, runBatched } from "./_batch.ts";

/** The models {@linkcode encodePrompt} uses. */
export interface PromptEncoderModels {
  tokenizer: PromptTokenizer;
  textEncoder: ModelSession;
}

/** The prompts and tokenizer settings of {@linkcode encodePrompt}. */
export interface EncodePromptOptions {
  prompt: string;
  /** The unconditional prompt. @default {""} */
  negativePrompt?: string;
  /** Token sequence length. @default {77} */
  maxLength?: number;
  /** Padding id; the tokenizer's default (the model's pad token) when absent. */
  padTokenId?: number;
  /**
   * Encode the negative prompt too. Without guidance (scale ≤ 1, e.g. SD-Turbo's 0) diffusers
   * encodes only the prompt; `uncond` is then empty. @default {true}
   */
  unconditional?: boolean;
}

/**
 * Encodes a prompt and its negative prompt into `[1, 77, dim]` embeddings each. Both go through
 * the text encoder in one run when its batch is dynamic, in two otherwise.
 *
 * @example Embeddings for a prompt
 * ```ts ignore
 * const embeddings = await encodePrompt({ tokenizer, textEncoder }, {
 *   prompt: "a red circle",
 *   negativePrompt: "blurry",
 * });
 * console.log(embeddings.shape); // [1, 77, 768]
 * ```
 */
export async function encodePrompt(
  models: PromptEncoderModels,
  options: EncodePromptOptions,
): Promise<PromptEmbeddings> {
  const { tokenizer, textEncoder } = models;
  if (typeof options.prompt !== "string") {
    throw new TypeError(
      `Cannot encode the prompt as it must be a string: current type is ${typeof options.prompt}`,
    );
  }
  const maxLength = options.maxLength ?? 77;
  const tokenize = (text: string) =>
    tokenizer.inputIds(text, {
      maxLength,
      ...(options.padTokenId !== undefined ? { padTokenId: options.padTokenId } : {}),
    });
  const unconditional = options.unconditional ?? true;
  const ids = unconditional
    ? [tokenize(options.negativePrompt ?? ""), tokenize(options.prompt)]
    : [tokenize(options.prompt)];
  for (const row of ids) {
    if (row.length !== maxLength) {
      throw new RangeError(
        `Cannot encode the prompt as the tokenizer must give ${maxLength} ids: ` +
          `current length is ${row.length}`,
      );
    }
  }
  const input = ioNamed(textEncoder.inputs, "input_ids", 0);
  const output = ioNamed(textEncoder.outputs, "last_hidden_state", 0);
  const plan = planRuns(ids.length, fixedBatch(input));
  const hidden = await runBatched((f, o) => textEncoder.run(f, o), plan, output.name, (run) => {
    const data = new Int32Array(run.size * maxLength);
    for (let r = 0; r < run.size; r++) {
      data.set(ids[Math.min(run.start + r, run.start + run.count - 1)]!, r * maxLength);
    }
    return { [input.name]: { data, dims: [run.size, maxLength] } };
  });
  const dim = hidden.dims[2];
  if (hidden.dims.length !== 3 || hidden.dims[1] !== maxLength || dim === undefined) {
    throw new RangeError(
      `Cannot use the text encoder as '${output.name}' must be [batch, ${maxLength}, dim]: ` +
        `current dims are [${hidden.dims}]`,
    );
  }
  const row = maxLength * dim;
  const data = hidden.data as Float32Array;
  return {
    uncond: unconditional ? data.slice(0, row) : new Float32Array(0),
    cond: unconditional ? data.slice(row, 2 * row) : data.slice(0, row),
    shape: [1, maxLength, dim],
  };
}
