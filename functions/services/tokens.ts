/**
 * Short-lived signed tokens (HS256 JWTs through `hono/jwt`): access tokens minted with a secret
 * key for a browser or another service, and signatures on job image URLs. A token names its parent
 * key, so revoking the key also ends its tokens.
 *
 * @module
 */
import { sign, verify } from "hono/jwt";
import { isScope, type Scope } from "./scopes.ts";

/** Claims of a verified access token. */
export interface TokenClaims {
  /** Id of the key that minted it. */
  keyId: string;
  scopes: Scope[];
  /** Origins it is accepted from; empty means any (like a secret key). */
  origins: string[];
  /** Expiry, seconds since the epoch. */
  expiresAt: number;
}

/** Outcome of a verification. */
export type TokenVerification<T> =
  | { ok: true; claims: T }
  | { ok: false; reason: "expired" | "invalid" };

/** Options of {@linkcode TokenService.mint}. */
export interface MintOptions {
  scopes: Scope[];
  /** Lifetime in seconds, at most the service's `maxTtlSeconds`. */
  ttlSeconds: number;
  /** Origins the token is accepted from. @default [] (any) */
  origins?: string[];
}

/** The token service. */
export interface TokenService {
  /** Signs an access token for `keyId`. */
  mint(keyId: string, options: MintOptions): Promise<{ token: string; expiresAt: number }>;
  verify(token: string): Promise<TokenVerification<TokenClaims>>;
  /** Signs access to the images of one job (for `response_format: "url"`). */
  signJobImages(jobId: string, keyId: string, ttlSeconds: number): Promise<string>;
  /** Verifies an image signature for `jobId`. */
  verifyJobImages(signature: string, jobId: string): Promise<TokenVerification<{ keyId: string }>>;
}

/** Options of {@linkcode createTokenService}. */
export interface TokenServiceOptions {
  /** Longest allowed lifetime in seconds. @default 3600 */
  maxTtlSeconds?: number;
  /** Clock in milliseconds, used for `iat`/`exp` at minting. @default Date.now */
  now?: () => number;
}

/**
 * Builds the token service signing with `secret` (HMAC-SHA256).
 *
 * @example Usage
 * ```ts
 * const tokens = createTokenService("a-secret-of-at-least-32-characters!!");
 * const { token } = await tokens.mint("keyid", { scopes: ["encode"], ttlSeconds: 60 });
 * ```
 */
export function createTokenService(
  secret: string,
  options: TokenServiceOptions = {},
): TokenService {
  const maxTtl = options.maxTtlSeconds ?? 3600;
  const now = options.now ?? Date.now;

  async function check(token: string): Promise<TokenVerification<Record<string, unknown>>> {
    try {
      return { ok: true, claims: await verify(token, secret, "HS256") };
    } catch (error) {
      const expired = error instanceof Error && error.name === "JwtTokenExpired";
      return { ok: false, reason: expired ? "expired" : "invalid" };
    }
  }

  return {
    async mint(keyId, mintOptions) {
      const { ttlSeconds } = mintOptions;
      if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > maxTtl) {
        throw new RangeError(
          `Cannot mint token as 'ttlSeconds' must be in [1, ${maxTtl}]: current value is ${ttlSeconds}`,
        );
      }
      const iat = Math.floor(now() / 1000);
      const expiresAt = iat + ttlSeconds;
      const token = await sign(
        {
          sub: keyId,
          typ: "access",
          scp: mintOptions.scopes,
          org: mintOptions.origins ?? [],
          iat,
          exp: expiresAt,
          jti: crypto.randomUUID(),
        },
        secret,
        "HS256",
      );
      return { token, expiresAt };
    },
    async verify(token) {
      const result = await check(token);
      if (!result.ok) return result;
      const { sub, typ, scp, org, exp } = result.claims;
      if (
        typeof sub !== "string" || typ !== "access" || !Array.isArray(scp) ||
        !scp.every(isScope) || !Array.isArray(org) ||
        !org.every((o) => typeof o === "string") || typeof exp !== "number"
      ) {
        return { ok: false, reason: "invalid" };
      }
      return { ok: true, claims: { keyId: sub, scopes: scp, origins: org, expiresAt: exp } };
    },
    signJobImages(jobId, keyId, ttlSeconds) {
      const iat = Math.floor(now() / 1000);
      return sign({ sub: keyId, typ: "images", job: jobId, iat, exp: iat + ttlSeconds }, secret);
    },
    async verifyJobImages(signature, jobId) {
      const result = await check(signature);
      if (!result.ok) return result;
      const { sub, typ, job } = result.claims;
      if (typeof sub !== "string" || typ !== "images" || job !== jobId) {
        return { ok: false, reason: "invalid" };
      }
      return { ok: true, claims: { keyId: sub } };
    },
  };
}
