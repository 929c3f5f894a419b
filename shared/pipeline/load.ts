/**
 * Loads a model described by a manifest onto a backend: the three ONNX sessions (text encoder,
 * UNet, VAE decoder) and the CLIP tokenizer, with one `dispose()` for all of them. File access is
 * injected (`readFile`), so the same code loads from disk, a cache or HTTP.
 *
 * @module
 */

import type { ComponentManifest, ModelManifest } from "../manifest.ts";
import type { Backend, CreateSessionOptions, ModelSession } from "../ort/mod.ts";
import { createManifestTokenizer } from "../tokenizer/mod.ts";
import type { PipelineEvent, PromptTokenizer } from "./types.ts";

/** Options of {@linkcode loadPipeline}. */
export interface LoadPipelineOptions {
  backend: Backend;
  /** Reads a model file by its manifest path (relative to the model root). */
  readFile(path: string): Promise<Uint8Array>;
  /** Receives one `load` event per component. */
  onProgress?(event: PipelineEvent): void;
  signal?: AbortSignal;
}

/** A model ready to generate with. */
export interface LoadedPipeline {
  manifest: ModelManifest;
  device: Backend["device"];
  tokenizer: PromptTokenizer;
  textEncoder: ModelSession;
  unet: ModelSession;
  vaeDecoder: ModelSession;
  /**
   * The VAE encoder (image to image, inpainting), loaded on first call and kept until `dispose`.
   * @throws {TypeError} when the model has no `vae_encoder`.
   */
  loadVaeEncoder(): Promise<ModelSession>;
  /** Releases the sessions (not the backend). */
  dispose(): Promise<void>;
}

const COMPONENTS = ["text_encoder", "unet", "vae_decoder"] as const;

function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

async function loadSession(
  component: ComponentManifest,
  options: LoadPipelineOptions,
): Promise<ModelSession> {
  const bytes = await options.readFile(component.model.path);
  const sessionOptions: CreateSessionOptions = component.externalData
    ? {
      externalData: [{
        path: baseName(component.externalData.path),
        data: await options.readFile(component.externalData.path),
      }],
    }
    : {};
  return await options.backend.createSession(bytes, sessionOptions);
}

/**
 * Creates the sessions and tokenizer of `manifest` on `options.backend`.
 *
 * @example Loading a cached model on the CPU
 * ```ts ignore
 * const backend = await createBackend({ devices: ["cpu"] });
 * const pipeline = await loadPipeline(model.manifest, { backend, readFile: model.readFile });
 * // ... encodePrompt(pipeline, ...), textToImage(..., { unet: pipeline.unet, ... })
 * await pipeline.dispose();
 * ```
 */
export async function loadPipeline(
  manifest: ModelManifest,
  options: LoadPipelineOptions,
): Promise<LoadedPipeline> {
  const { signal } = options;
  const sessions: ModelSession[] = [];
  const release = () => Promise.all(sessions.map((s) => s.release())).then(() => {});
  try {
    signal?.throwIfAborted();
    const [vocab, merges] = await Promise.all([
      options.readFile(manifest.tokenizer.vocab.path),
      options.readFile(manifest.tokenizer.merges.path),
    ]);
    const tokenizer = createManifestTokenizer(manifest.tokenizer, { vocab, merges });
    for (const [index, name] of COMPONENTS.entries()) {
      signal?.throwIfAborted();
      sessions.push(await loadSession(manifest.components[name], options));
      options.onProgress?.({
        type: "load",
        component: name,
        loaded: index + 1,
        total: COMPONENTS.length,
      });
    }
    const [textEncoder, unet, vaeDecoder] = sessions as [ModelSession, ModelSession, ModelSession];
    let encoder: Promise<ModelSession> | null = null;
    return {
      manifest,
      device: options.backend.device,
      tokenizer,
      textEncoder,
      unet,
      vaeDecoder,
      loadVaeEncoder() {
        const component = manifest.components.vae_encoder;
        if (!component) {
          return Promise.reject(
            new TypeError(
              `Cannot encode an image as model '${manifest.id}' has no vae_encoder`,
            ),
          );
        }
        encoder ??= loadSession(component, options).then((session) => {
          sessions.push(session);
          return session;
        }, (error) => {
          encoder = null;
          throw error;
        });
        return encoder;
      },
      dispose: release,
    };
  } catch (error) {
    await release();
    throw error;
  }
}
