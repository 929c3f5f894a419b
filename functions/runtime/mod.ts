/**
 * The composition root and start-up plumbing of the entry points: the runtime services built from
 * the configuration (`createRuntime`), the key store and development keys bootstrap, the Redis
 * connection check and the start-up errors every entry point reports in one line.
 *
 * @module
 */

export { createRuntime, type Runtime } from "./runtime.ts";
export { openKeyService } from "./keys.ts";
export { ensureDevelopmentKeys } from "./dev_keys.ts";
export { connectRedis, RedisUnavailableError } from "./redis_connection.ts";
export { isStartupError } from "./startup_errors.ts";
