/**
 * An {@linkcode Encoder} wrapper with an LRU cache of encodings, an optional shared second level
 * (Redis, so every edge instance benefits) and de-duplication of identical concurrent requests.
 *
 * @module
 */
import type { EncodeInput, Encoder, PromptEmbeddings } from "./encoder.ts";

/** A byte cache shared between instances (Redis in production). */
export interface SharedBytesCache {
  get(key: string): Promise<Uint8Array | null>;
  set(key: string, value: Uint8Array, ttlSeconds: number): Promise<void>;
}

/** Where an encoding came from. */
export type CacheSource = "memory" | "shared" | "miss";

/** An encoding and its provenance. */
export interface CachedEncoding {
  embeddings: PromptEmbeddings;
  cache: CacheSource;
}

/** An encoder that reports cache hits. */
export interface CachedEncoder {
  encode(model: string, input: EncodeInput): Promise<CachedEncoding>;
}

/** Options of {@linkcode createCachedEncoder}. */
export interface CachedEncoderOptions {
  /** Entries kept in memory; 0 disables the memory level. @default 512 */
  maxEntries?: number;
  /** Shared second level. @default none */
  shared?: SharedBytesCache;
  /** Lifetime of shared entries in seconds. @default 86400 */
  sharedTtlSeconds?: number;
  /**
   * What identifies a model's encodings besides its id (text encoder hash, tokenizer settings),
   * so a re-added model with another pad token never gets the old encodings. @default none
   */
  modelIdentity?(model: string): Promise<string>;
}

/**
 * Wraps `encoder` with caches.
 *
 * @example Usage
 * ```ts
 * const cached = createCachedEncoder(encoder, { maxEntries: 256 });
 * const { embeddings, cache } = await cached.encode("tiny-sd", { prompt: "a cat", negativePrompt: "" });
 * ```
 */
export function createCachedEncoder(
  encoder: Encoder,
  options: CachedEncoderOptions = {},
): CachedEncoder {
  const maxEntries = options.maxEntries ?? 512;
  const ttl = options.sharedTtlSeconds ?? 86_400;
  const memory = new Map<string, PromptEmbeddings>();
  const inflight = new Map<string, Promise<CachedEncoding>>();

  function remember(key: string, value: PromptEmbeddings): void {
    if (maxEntries === 0) return;
    memory.delete(key);
    memory.set(key, value);
    if (memory.size > maxEntries) memory.delete(memory.keys().next().value!);
  }

  async function load(key: string, model: string, input: EncodeInput): Promise<CachedEncoding> {
    const bytes = options.shared ? await options.shared.get(key) : null;
    if (bytes !== null) {
      const embeddings = deserializeEmbeddings(bytes);
      remember(key, embeddings);
      return { embeddings, cache: "shared" };
    }
    const embeddings = await encoder.encode(model, input);
    remember(key, embeddings);
    await options.shared?.set(key, serializeEmbeddings(embeddings), ttl);
    return { embeddings, cache: "miss" };
  }

  return {
    async encode(model, input) {
      const identity = options.modelIdentity ? await options.modelIdentity(model) : "";
      const key = await cacheKey(model, identity, input);
      const hit = memory.get(key);
      if (hit !== undefined) {
        memory.delete(key);
        memory.set(key, hit);
        return { embeddings: hit, cache: "memory" };
      }
      let pending = inflight.get(key);
      if (pending === undefined) {
        pending = load(key, model, input).finally(() => inflight.delete(key));
        inflight.set(key, pending);
      }
      return await pending;
    },
  };
}

async function cacheKey(model: string, identity: string, input: EncodeInput): Promise<string> {
  const text = JSON.stringify([model, identity, input.prompt, input.negativePrompt]);
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return "enc:" + Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0"))
    .join("");
}

/** Packs embeddings as `[u32 tokens][u32 dim][cond f32…][uncond f32…]`, little-endian. */
export function serializeEmbeddings(embeddings: PromptEmbeddings): Uint8Array {
  const [, tokens, dim] = embeddings.shape;
  const size = tokens * dim;
  const out = new Uint8Array(8 + size * 8);
  const view = new DataView(out.buffer);
  view.setUint32(0, tokens, true);
  view.setUint32(4, dim, true);
  for (let i = 0; i < size; i++) {
    view.setFloat32(8 + i * 4, embeddings.cond[i]!, true);
    view.setFloat32(8 + (size + i) * 4, embeddings.uncond[i]!, true);
  }
  return out;
}

/** Inverse of {@linkcode serializeEmbeddings}. */
export function deserializeEmbeddings(bytes: Uint8Array): PromptEmbeddings {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tokens = view.getUint32(0, true);
  const dim = view.getUint32(4, true);
  const size = tokens * dim;
  if (bytes.byteLength !== 8 + size * 8) {
    throw new RangeError(`Cannot read cached embeddings: expected ${8 + size * 8} bytes`);
  }
  const cond = new Float32Array(size);
  const uncond = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    cond[i] = view.getFloat32(8 + i * 4, true);
    uncond[i] = view.getFloat32(8 + (size + i) * 4, true);
  }
  return { cond, uncond, shape: [1, tokens, dim] };
}
