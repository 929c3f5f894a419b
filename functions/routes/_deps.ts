/**
 * The services every route module receives (a subset of `AppDeps`, defined here to keep route
 * modules independent of `app.ts`).
 *
 * @module
 */
import type { Config } from "../config.ts";
import type { CachedEncoder } from "../services/encoder/cached_encoder.ts";
import type { JobQueue } from "../services/jobs.ts";
import type { KeyService } from "../services/keys/mod.ts";
import type { ModelCatalog } from "../services/models/catalog.ts";
import type { RateLimiter } from "../services/rate_limit/mod.ts";
import type { StaticFiles } from "../services/static_files.ts";
import type { TokenService } from "../services/tokens.ts";

/** Services injected into the app. */
export interface RouteDeps {
  config: Config;
  keys: KeyService;
  tokens: TokenService;
  limiter: RateLimiter;
  catalog: ModelCatalog;
  encoder: CachedEncoder;
  queue: JobQueue;
  /** Scheduler names and aliases `createScheduler` accepts (`schedulerNames`). */
  schedulers: readonly string[];
  /** The built browser client (`client/dist`); `null` when not deployed with the app. */
  staticFiles: StaticFiles | null;
  /** Draws a decimal seed when the caller gives none. */
  randomSeed: () => string;
  /** Clock in milliseconds. */
  now: () => number;
}
