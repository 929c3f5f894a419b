/**
 * Served models: the catalog interface and its local-disk implementation.
 *
 * @module
 */
export * from "./catalog.ts";
export * from "./local_catalog.ts";
