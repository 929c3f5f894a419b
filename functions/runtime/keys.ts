/**
 * Opens the configured key store on its own (key file, or Redis when configured), for
 * `deno task keys` and the `deno task start` banner, without loading models or workers.
 *
 * @module
 */
import type { Config } from "../config.ts";
import {
  createFileKeyStore,
  createKeyService,
  createRedisKeyStore,
  type KeyService,
} from "../services/keys/mod.ts";
import { connectRedis } from "./redis_connection.ts";

/**
 * The key service of `config` and a function closing its connection.
 *
 * @example Usage
 * ```ts ignore
 * const { keys, close } = await openKeyService(config);
 * console.log(await keys.list());
 * close();
 * ```
 */
export async function openKeyService(
  config: Config,
): Promise<{ keys: KeyService; close(): void }> {
  if (config.redisUrl === undefined) {
    return { keys: createKeyService(createFileKeyStore(config.keysPath)), close: () => {} };
  }
  const redis = await connectRedis(config.redisUrl);
  return { keys: createKeyService(createRedisKeyStore(redis)), close: () => redis.disconnect() };
}
