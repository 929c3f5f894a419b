/**
 * `POST /v1/tokens`: mint a short-lived signed token with a secret key, for a browser or another
 * service. Body: `{ scopes?, expires_in?, origins? }`.
 *
 * @module
 */
import { Hono } from "hono";
import { isOrigin } from "../config.ts";
import type { AppEnv } from "../middleware/context.ts";
import { ApiError } from "../middleware/errors.ts";
import { isScope, PUBLISHABLE_SCOPES, type Scope } from "../services/scopes.ts";
import type { RouteDeps } from "./_deps.ts";
import { authFor, rateLimitFor } from "./_guards.ts";
import { invalid, optionalInteger, readJsonObject } from "./_validate.ts";

/**
 * The token route.
 *
 * @example Usage
 * ```ts
 * app.route("/v1/tokens", tokenRoutes(deps));
 * ```
 */
export function tokenRoutes(deps: RouteDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.post(
    "/",
    authFor(deps, "tokens"),
    rateLimitFor(deps),
    async (c) => {
      const principal = c.get("principal");
      if (principal.kind !== "secret") {
        throw new ApiError(
          403,
          "secret_key_required",
          "Tokens can only be minted with a secret key",
        );
      }
      const body = await readJsonObject(c);
      const maxTtl = deps.config.tokenMaxTtlSeconds;
      const ttl = optionalInteger(body, "expires_in", { min: 1, max: maxTtl }) ??
        Math.min(600, maxTtl);
      const scopes = body.scopes ?? [...PUBLISHABLE_SCOPES];
      if (
        !Array.isArray(scopes) || scopes.length === 0 ||
        !scopes.every((s) => isScope(s) && s !== "tokens")
      ) {
        throw invalid(
          "scopes",
          `must be a non-empty list of ${PUBLISHABLE_SCOPES.join(", ")}`,
          scopes,
        );
      }
      const origins = body.origins ?? [];
      if (!Array.isArray(origins) || !origins.every((o) => typeof o === "string" && isOrigin(o))) {
        throw invalid("origins", "must be a list of origins like https://example.com", origins);
      }
      const minted = await deps.tokens.mint(principal.keyId, {
        scopes: scopes as Scope[],
        ttlSeconds: ttl,
        origins: origins as string[],
      });
      c.header("Cache-Control", "no-store");
      return c.json({
        object: "token",
        token: minted.token,
        expires_at: minted.expiresAt,
        scopes,
        origins,
      }, 201);
    },
  );
  return app;
}
