/**
 * What a caller may do. Secret keys hold every scope; publishable keys hold the browser subset;
 * minted tokens hold what their minting request asked for (never `tokens`).
 *
 * @module
 */

/** A permission checked by the routes. */
export type Scope = "models" | "encode" | "generate" | "jobs" | "tokens";

/** Every scope. */
export const ALL_SCOPES: readonly Scope[] = Object.freeze([
  "models",
  "encode",
  "generate",
  "jobs",
  "tokens",
]);

/** Scopes of a publishable key: manifests and files, encoding and fallback generation. */
export const PUBLISHABLE_SCOPES: readonly Scope[] = Object.freeze([
  "models",
  "encode",
  "generate",
  "jobs",
]);

/** Whether `value` names a scope. */
export function isScope(value: unknown): value is Scope {
  return typeof value === "string" && (ALL_SCOPES as readonly string[]).includes(value);
}
