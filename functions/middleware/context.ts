/**
 * Types of the Hono context shared by middleware and routes: who is calling (`principal`) and
 * the request id.
 *
 * @module
 */
import type { Scope } from "../services/scopes.ts";

/** Limit tier of a caller. */
export type Tier = "secret" | "publishable";

/** The authenticated caller. */
export interface Principal {
  /** How the caller authenticated. */
  kind: "secret" | "publishable" | "token";
  /** The API key (for tokens: the minting key); rate limits are per key. */
  keyId: string;
  scopes: readonly Scope[];
  tier: Tier;
}

/** The Hono environment of the app. */
export interface AppEnv {
  Variables: { principal: Principal; requestId: string };
}
