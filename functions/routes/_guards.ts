/**
 * The two guards every API route puts before its handler, wired to the app's services in one
 * place: authentication for a scope (keys and tokens) and the tiered rate limit.
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { requireAuth } from "../middleware/auth.ts";
import type { AppEnv } from "../middleware/context.ts";
import { rateLimit } from "../middleware/rate_limit.ts";
import type { Scope } from "../services/scopes.ts";
import type { RouteDeps } from "./_deps.ts";

/**
 * Requires a key or token of `scope`, checked against the app's key and token services.
 *
 * @example Usage
 * ```ts ignore
 * app.post("/", authFor(deps, "encode"), rateLimitFor(deps), handler);
 * ```
 */
export function authFor(deps: RouteDeps, scope: Scope): MiddlewareHandler<AppEnv> {
  return requireAuth({ keys: deps.keys, tokens: deps.tokens, scope });
}

/**
 * The app's rate limit, by the caller's tier.
 *
 * @example Usage
 * ```ts ignore
 * app.post("/", authFor(deps, "encode"), rateLimitFor(deps), handler);
 * ```
 */
export function rateLimitFor(deps: RouteDeps): MiddlewareHandler<AppEnv> {
  return rateLimit({ limiter: deps.limiter, tiers: deps.config.rateLimits });
}
