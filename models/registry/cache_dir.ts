/**
 * The default model cache: `models/cache` in this checkout (gitignored). Entry points that read
 * `SD_MODELS_DIR` pass it down as `cacheDir` instead.
 *
 * @module
 */

/**
 * Absolute path of the default cache directory.
 *
 * @example
 * ```ts
 * const cacheDir = defaultCacheDir(); // ".../models/cache"
 * ```
 */
export function defaultCacheDir(): string {
  return new URL("../cache", import.meta.url).pathname.replace(/\/$/, "");
}
