/**
 * The production {@linkcode Encoder}: the model's CLIP tokenizer and text encoder, loaded once per
 * model on first use and reused, run through the shared pipeline's `encodePrompt` on a
 * `shared/ort` backend. Only the text encoder is loaded: the edge never needs the UNet or VAE.
 *
 * @module
 */
import type { ModelManifest } from "../../../shared/manifest.ts";
import type { Backend, ModelSession } from "../../../shared/ort/mod.ts";
// The prompt-encoding module alone: the edge never loads the denoising loop or the schedulers.
import { encodePrompt } from "../../../shared/pipeline/encode_prompt.ts";
import type { PromptTokenizer } from "../../../shared/pipeline/types.ts";
import { createManifestTokenizer } from "../../../shared/tokenizer/manifest_tokenizer.ts";
import type { Encoder } from "./encoder.ts";

/** The part of the registry's `LocalModel` the encoder needs. */
export interface EncoderModelSource {
  manifest: ModelManifest;
  readFile(path: string): Promise<Uint8Array>;
}

/** Options of {@linkcode createPipelineEncoder}. */
export interface PipelineEncoderOptions {
  /** The tensor backend (e.g. onnxruntime-node on `cpu`), or a function opening it lazily. */
  backend: Backend | (() => Promise<Backend>);
  /** Loads a model by id (the registry's `loadModel`). */
  load(id: string): Promise<EncoderModelSource>;
}

interface LoadedEncoder {
  tokenizer: PromptTokenizer;
  textEncoder: ModelSession;
  maxLength: number;
}

/** The encoder, with `dispose()` releasing every loaded session. */
export interface PipelineEncoder extends Encoder {
  /**
   * What, besides the model id and the prompts, decides a model's encodings: its text encoder's
   * sha256 and its tokenizer settings (length, pad/bos/eos ids). Part of the cache key.
   */
  identity(model: string): Promise<string>;
  dispose(): Promise<void>;
}

/**
 * The encoding identity of a manifest (see {@linkcode PipelineEncoder.identity}).
 *
 * @example Usage
 * ```ts ignore
 * encodingIdentity(manifest); // "3f2a…:77:0:49406:49407"
 * ```
 */
export function encodingIdentity(manifest: ModelManifest): string {
  const { maxLength, padTokenId, bosTokenId, eosTokenId } = manifest.tokenizer;
  return [
    manifest.components.text_encoder.model.sha256,
    maxLength,
    padTokenId ?? "eos",
    bosTokenId ?? "bos",
    eosTokenId ?? "eos",
  ].join(":");
}

/**
 * Builds the encoder.
 *
 * @example Usage
 * ```ts ignore
 * const encoder = createPipelineEncoder({
 *   backend: () => createBackend({ devices: ["cpu"] }),
 *   load: (id) => loadModel(id),
 * });
 * const embeddings = await encoder.encode("tiny-sd", { prompt: "a cat", negativePrompt: "" });
 * ```
 */
export function createPipelineEncoder(options: PipelineEncoderOptions): PipelineEncoder {
  let backend: Promise<Backend> | null = null;
  const getBackend = () =>
    backend ??= typeof options.backend === "function"
      ? options.backend()
      : Promise.resolve(options.backend);
  const loaded = new Map<string, Promise<LoadedEncoder>>();
  const sources = new Map<string, Promise<EncoderModelSource>>();
  const source = (id: string) => {
    let pending = sources.get(id);
    if (pending === undefined) {
      pending = options.load(id).catch((error) => {
        sources.delete(id);
        throw error;
      });
      sources.set(id, pending);
    }
    return pending;
  };

  async function load(id: string): Promise<LoadedEncoder> {
    const model = await source(id);
    const { manifest } = model;
    const [vocab, merges, graph] = await Promise.all([
      model.readFile(manifest.tokenizer.vocab.path),
      model.readFile(manifest.tokenizer.merges.path),
      model.readFile(manifest.components.text_encoder.model.path),
    ]);
    const tokenizer = createManifestTokenizer(manifest.tokenizer, { vocab, merges });
    const external = manifest.components.text_encoder.externalData;
    const textEncoder = await (await getBackend()).createSession(
      graph,
      external === undefined ? {} : {
        externalData: [{
          path: external.path.slice(external.path.lastIndexOf("/") + 1),
          data: await model.readFile(external.path),
        }],
      },
    );
    return { tokenizer, textEncoder, maxLength: manifest.tokenizer.maxLength };
  }

  return {
    async identity(model) {
      return encodingIdentity((await source(model)).manifest);
    },
    async encode(model, input) {
      let pending = loaded.get(model);
      if (pending === undefined) {
        pending = load(model).catch((error) => {
          loaded.delete(model);
          throw error;
        });
        loaded.set(model, pending);
      }
      const encoder = await pending;
      return await encodePrompt(encoder, {
        prompt: input.prompt,
        negativePrompt: input.negativePrompt,
        maxLength: encoder.maxLength,
      });
    },
    async dispose() {
      const all = await Promise.allSettled(loaded.values());
      loaded.clear();
      for (const result of all) {
        if (result.status === "fulfilled") await result.value.textEncoder.release();
      }
    },
  };
}
