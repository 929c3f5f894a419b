/**
 * Authentication and authorization: `Authorization: Bearer <key or token>`. Secret keys (`sk_`)
 * hold every scope; publishable keys (`pk_`) only work from their allowed `Origin`s; tokens minted
 * with a secret key carry their own scopes, expiry and optional origins, and die with their key.
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";
import type { KeyService } from "../services/keys/mod.ts";
import { ALL_SCOPES, PUBLISHABLE_SCOPES, type Scope } from "../services/scopes.ts";
import type { TokenService } from "../services/tokens.ts";
import type { AppEnv, Principal } from "./context.ts";
import { ApiError } from "./errors.ts";

/**
 * The page origin a request comes from. Browsers omit `Origin` on same-origin GETs, but mark them
 * with `Sec-Fetch-Site: same-origin`, which pages cannot forge; the origin is then the server's
 * own.
 */
export function requestOrigin(request: Request): string | undefined {
  const origin = request.headers.get("Origin");
  if (origin !== null) return origin;
  if (request.headers.get("Sec-Fetch-Site") === "same-origin") return new URL(request.url).origin;
  return undefined;
}

/** Options of {@linkcode requireAuth}. */
export interface RequireAuthOptions {
  keys: KeyService;
  tokens: TokenService;
  /** Scope the route needs. */
  scope: Scope;
}

/**
 * Middleware that authenticates the caller, checks `scope` and sets `c.var.principal`.
 *
 * @example Usage
 * ```ts
 * app.use("*", requireAuth({ keys, tokens, scope: "encode" }));
 * ```
 */
export function requireAuth(options: RequireAuthOptions): MiddlewareHandler<AppEnv> {
  return async function auth(c, next) {
    const header = c.req.header("Authorization");
    const principal = await authenticate(header, requestOrigin(c.req.raw), options);
    if (!principal.scopes.includes(options.scope)) {
      throw new ApiError(
        403,
        "insufficient_scope",
        `This credential may not use this endpoint: it needs the '${options.scope}' scope`,
      );
    }
    c.set("principal", principal);
    await next();
  };
}

/**
 * Resolves a credential to a principal, throwing 401/403 `ApiError`s.
 *
 * @example Usage
 * ```ts
 * const principal = await authenticate("Bearer sk_...", undefined, { keys, tokens });
 * ```
 */
export async function authenticate(
  authorization: string | undefined,
  origin: string | undefined,
  options: Pick<RequireAuthOptions, "keys" | "tokens">,
): Promise<Principal> {
  if (authorization === undefined || authorization.trim() === "") {
    throw new ApiError(
      401,
      "missing_api_key",
      "No API key provided: send 'Authorization: Bearer <key>'",
    );
  }
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (match === null) {
    throw new ApiError(
      401,
      "invalid_authorization",
      "The Authorization header must be 'Bearer <key>'",
    );
  }
  const credential = match[1]!;
  if (credential.startsWith("sk_") || credential.startsWith("pk_")) {
    const result = await options.keys.verify(credential);
    if (!result.ok) {
      throw result.reason === "revoked"
        ? new ApiError(401, "key_revoked", "This API key has been revoked")
        : new ApiError(401, "invalid_api_key", "Invalid API key");
    }
    const { record } = result;
    if (record.kind === "publishable") {
      checkOrigin(origin, record.origins, "publishable key");
      return {
        kind: "publishable",
        keyId: record.id,
        scopes: PUBLISHABLE_SCOPES,
        tier: "publishable",
      };
    }
    return { kind: "secret", keyId: record.id, scopes: ALL_SCOPES, tier: "secret" };
  }
  const verified = await options.tokens.verify(credential);
  if (!verified.ok) {
    throw verified.reason === "expired"
      ? new ApiError(401, "token_expired", "This token has expired: mint a new one")
      : new ApiError(401, "invalid_api_key", "Invalid API key or token");
  }
  const { claims } = verified;
  const parent = await options.keys.get(claims.keyId);
  if (parent === null || parent.kind !== "secret" || parent.revokedAt !== undefined) {
    throw new ApiError(401, "key_revoked", "The key that minted this token has been revoked");
  }
  if (claims.origins.length > 0) checkOrigin(origin, claims.origins, "token");
  const scopes = claims.scopes.filter((s) => s !== "tokens");
  return { kind: "token", keyId: claims.keyId, scopes, tier: "secret" };
}

function checkOrigin(origin: string | undefined, allowed: readonly string[], what: string): void {
  if (origin === undefined || origin === "" || origin === "null") {
    throw new ApiError(
      403,
      "origin_required",
      `A ${what} is only accepted from a browser page on one of its allowed origins`,
    );
  }
  if (!allowed.includes(origin)) {
    throw new ApiError(
      403,
      "origin_not_allowed",
      `Origin '${origin}' is not allowed for this ${what}`,
    );
  }
}
