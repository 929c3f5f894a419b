/**
 * Key records and the storage interface behind the key service, with the in-memory store used
 * by tests and single-process development. File and Redis stores implement the same interface.
 *
 * @module
 */
import type { KeyKind } from "./key_format.ts";

/** A stored API key: never the key itself, only its SHA-256. */
export interface KeyRecord {
  /** Public id (the 16 characters after `sk_` / `pk_`). */
  id: string;
  kind: KeyKind;
  /** Lower-case hex SHA-256 of the full key. */
  hash: string;
  /** First characters of the key, for lists (`sk_AbC1…`). */
  preview: string;
  /** Human label. */
  name: string;
  /** Origins a publishable key is accepted from (`https://example.com`). */
  origins: string[];
  /** Milliseconds since the epoch. */
  createdAt: number;
  /** Set once the key is revoked. */
  revokedAt?: number;
}

/** Persistence of key records. */
export interface KeyStore {
  /** The record of `id`, `null` when unknown. */
  get(id: string): Promise<KeyRecord | null>;
  /** Inserts or replaces a record. */
  put(record: KeyRecord): Promise<void>;
  /** Every record, revoked ones included. */
  list(): Promise<KeyRecord[]>;
}

/**
 * A key store held in memory.
 *
 * @example Usage
 * ```ts
 * const store = createMemoryKeyStore();
 * await store.list(); // []
 * ```
 */
export function createMemoryKeyStore(): KeyStore {
  const records = new Map<string, KeyRecord>();
  return {
    get: (id) => Promise.resolve(structuredClone(records.get(id) ?? null)),
    put: (record) => {
      records.set(record.id, structuredClone(record));
      return Promise.resolve();
    },
    list: () => Promise.resolve([...records.values()].map((r) => structuredClone(r))),
  };
}

/** Checks that a parsed JSON value is a key record (for file and Redis stores). */
export function isKeyRecord(value: unknown): value is KeyRecord {
  if (typeof value !== "object" || value === null) return false;
  const r = value as Record<string, unknown>;
  return typeof r.id === "string" && (r.kind === "secret" || r.kind === "publishable") &&
    typeof r.hash === "string" && typeof r.preview === "string" && typeof r.name === "string" &&
    Array.isArray(r.origins) && r.origins.every((o) => typeof o === "string") &&
    typeof r.createdAt === "number" &&
    (r.revokedAt === undefined || typeof r.revokedAt === "number");
}
