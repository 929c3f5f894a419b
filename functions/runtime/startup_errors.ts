/**
 * The errors an entry point (`deno task start`, the `deno serve` entry, `deno task worker`,
 * `deno task keys`) reports as one readable line and exit code 2 instead of a stack trace: an
 * invalid configuration, a configured model that cannot be loaded, a Redis that does not answer.
 *
 * @module
 */
import { ModelSetupError } from "../../models/mod.ts";
import { ConfigError } from "../config.ts";
import { RedisUnavailableError } from "./redis_connection.ts";

/**
 * Whether `error` is a set-up problem whose message says all a user needs (anything else is a bug
 * and keeps its stack).
 *
 * @example Usage
 * ```ts ignore
 * try {
 *   await createRuntime(parseConfig(Deno.env.toObject()));
 * } catch (error) {
 *   if (!isStartupError(error)) throw error;
 *   console.error(error.message);
 *   Deno.exit(2);
 * }
 * ```
 */
export function isStartupError(
  error: unknown,
): error is ConfigError | ModelSetupError | RedisUnavailableError {
  return error instanceof ConfigError || error instanceof ModelSetupError ||
    error instanceof RedisUnavailableError;
}
