/**
 * Opening the Redis connection an API process (or a CLI) shares state through: it must answer at
 * start, or the process stops with one readable line instead of retrying forever; later outages
 * are logged one line per error (ioredis keeps reconnecting with backoff meanwhile).
 *
 * @module
 */
import { Redis } from "ioredis";

/** Redis did not answer at start. */
export class RedisUnavailableError extends Error {
  /** The URL without its password. */
  readonly url: string;
  constructor(url: string, reason: string) {
    super(`Cannot reach Redis at ${url}: ${reason} (check SD_REDIS_URL and that Redis is running)`);
    this.name = "RedisUnavailableError";
    this.url = url;
  }
}

/** Options of {@linkcode connectRedis}. */
export interface ConnectRedisOptions {
  /** How long the first connection and `PING` may take. @default 5000 */
  timeoutMs?: number;
  /** Errors after start (a lost connection). @default one line on stderr */
  onError?: (error: Error) => void;
}

/** `url` with any password replaced by `***`, for messages. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    return parsed.toString().replace(/\/$/, "");
  } catch {
    return "(an unparsable URL)";
  }
}

/**
 * Connects to `url` and checks it answers `PING`; throws {@linkcode RedisUnavailableError} (and
 * leaves nothing running) when it does not within `timeoutMs`.
 *
 * @example Usage
 * ```ts ignore
 * const redis = await connectRedis("redis://127.0.0.1:6379");
 * await redis.set("greeting", "hello");
 * redis.disconnect();
 * ```
 */
export async function connectRedis(
  url: string,
  options: ConnectRedisOptions = {},
): Promise<Redis> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: timeoutMs });
  let firstError: Error | undefined;
  const atStart = (error: Error) => void (firstError ??= error);
  redis.on("error", atStart);
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      redis.connect().then(() => redis.ping()),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (error) {
    redis.disconnect();
    const reason = (firstError ?? error) as Error;
    throw new RedisUnavailableError(redactRedisUrl(url), reason.message || String(reason));
  } finally {
    clearTimeout(timer);
  }
  redis.off("error", atStart);
  redis.on(
    "error",
    options.onError ?? ((error: Error) => console.error(`redis: ${error.message}`)),
  );
  return redis;
}
