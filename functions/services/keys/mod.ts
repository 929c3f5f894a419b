/**
 * API keys: formats, hashing, stores (memory, JSON file, Redis) and the key service.
 *
 * @module
 */
export * from "./key_format.ts";
export * from "./store.ts";
export * from "./key_service.ts";
export * from "./file_store.ts";
export * from "./redis_store.ts";
