/**
 * Creating, verifying, listing and revoking API keys over a {@linkcode KeyStore}. Verification
 * looks the record up by the key's public id and compares SHA-256 hashes in constant time.
 *
 * @module
 */
import { isOrigin } from "../../config.ts";
import { generateKey, hashKey, type KeyKind, parseKey, timingSafeEqual } from "./key_format.ts";
import type { KeyRecord, KeyStore } from "./store.ts";

/** Options of {@linkcode KeyService.create}. */
export interface CreateKeyOptions {
  /** Human label. @default "" */
  name?: string;
  /** Allowed origins; required (non-empty) for publishable keys. @default [] */
  origins?: string[];
}

/** Outcome of {@linkcode KeyService.verify}. */
export type KeyVerification =
  | { ok: true; record: KeyRecord }
  | { ok: false; reason: "malformed" | "unknown" | "revoked" };

/** The key service. */
export interface KeyService {
  /** Creates a key; the returned `key` is the only time it is visible. */
  create(kind: KeyKind, options?: CreateKeyOptions): Promise<{ key: string; record: KeyRecord }>;
  /** Checks a presented key. */
  verify(key: string): Promise<KeyVerification>;
  /** The record of `id` (revoked ones included), `null` when unknown. */
  get(id: string): Promise<KeyRecord | null>;
  /** Revokes a key; `false` when unknown or already revoked. */
  revoke(id: string): Promise<boolean>;
  list(): Promise<KeyRecord[]>;
  /** Whether some active publishable key accepts `origin` (for CORS preflights). */
  isKnownOrigin(origin: string): Promise<boolean>;
}

/** Options of {@linkcode createKeyService}. */
export interface KeyServiceOptions {
  /** Clock in milliseconds. @default Date.now */
  now?: () => number;
  /** How long the union of origins is cached, in milliseconds. @default 5000 */
  originCacheMs?: number;
}

/**
 * Builds the key service on `store`.
 *
 * @example Usage
 * ```ts
 * const keys = createKeyService(createMemoryKeyStore());
 * const { key } = await keys.create("secret", { name: "server" });
 * (await keys.verify(key)).ok; // true
 * ```
 */
export function createKeyService(store: KeyStore, options: KeyServiceOptions = {}): KeyService {
  const now = options.now ?? Date.now;
  const originCacheMs = options.originCacheMs ?? 5000;
  let origins: { at: number; set: Set<string> } | null = null;

  return {
    async create(kind, createOptions = {}) {
      const keyOrigins = createOptions.origins ?? [];
      for (const origin of keyOrigins) {
        if (!isOrigin(origin)) {
          throw new TypeError(
            `Cannot create key as 'origins' must hold origins like https://example.com: ` +
              `current value is '${origin}'`,
          );
        }
      }
      if (kind === "publishable" && keyOrigins.length === 0) {
        throw new TypeError("Cannot create a publishable key without allowed 'origins'");
      }
      const { key, id } = generateKey(kind);
      const record: KeyRecord = {
        id,
        kind,
        hash: await hashKey(key),
        preview: `${key.slice(0, 7)}…`,
        name: createOptions.name ?? "",
        origins: [...keyOrigins],
        createdAt: now(),
      };
      await store.put(record);
      origins = null;
      return { key, record };
    },
    async verify(key) {
      const parsed = parseKey(key);
      if (parsed === null) return { ok: false, reason: "malformed" };
      const [record, hash] = await Promise.all([store.get(parsed.id), hashKey(key)]);
      if (record === null || record.kind !== parsed.kind || !timingSafeEqual(record.hash, hash)) {
        return { ok: false, reason: "unknown" };
      }
      if (record.revokedAt !== undefined) return { ok: false, reason: "revoked" };
      return { ok: true, record };
    },
    get: (id) => store.get(id),
    async revoke(id) {
      const record = await store.get(id);
      if (record === null || record.revokedAt !== undefined) return false;
      await store.put({ ...record, revokedAt: now() });
      origins = null;
      return true;
    },
    list: () => store.list(),
    async isKnownOrigin(origin) {
      if (origins === null || now() - origins.at > originCacheMs) {
        const set = new Set<string>();
        for (const record of await store.list()) {
          if (record.kind === "publishable" && record.revokedAt === undefined) {
            for (const o of record.origins) set.add(o);
          }
        }
        origins = { at: now(), set };
      }
      return origins.set.has(origin);
    },
  };
}
