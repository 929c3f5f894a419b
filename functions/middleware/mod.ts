/**
 * Middleware of the edge app: error mapping, authentication, rate limits, key-driven CORS.
 *
 * @module
 */
export * from "./context.ts";
export * from "./errors.ts";
export * from "./auth.ts";
export * from "./rate_limit.ts";
export * from "./cors.ts";
