/**
 * CORS driven by the keys: an `Origin` is granted when it is configured globally or when an
 * active publishable key lists it. (The per-key origin check itself is in `auth.ts`: a
 * publishable key from another origin gets 403 even when CORS would allow the origin.)
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import type { KeyService } from "../services/keys/mod.ts";

/** Options of {@linkcode keyCors}. */
export interface KeyCorsOptions {
  keys: KeyService;
  /** Origins allowed regardless of keys. @default [] */
  allowedOrigins?: readonly string[];
}

/** Response headers a browser page may read. */
export const EXPOSED_HEADERS: readonly string[] = [
  "Retry-After",
  "RateLimit-Limit",
  "RateLimit-Remaining",
  "RateLimit-Reset",
  "X-Request-Id",
  "Content-Range",
  "Accept-Ranges",
  "Content-Length",
  "ETag",
  "Location",
  "X-Embedding-Shape",
  "X-Embedding-Dtype",
  "X-Embedding-Order",
  "X-Cache",
];

/**
 * Hono's `cors` with an origin check against the key store.
 *
 * @example Usage
 * ```ts
 * app.use("*", keyCors({ keys, allowedOrigins: ["https://example.com"] }));
 * ```
 */
export function keyCors(options: KeyCorsOptions): MiddlewareHandler {
  const fixed = new Set(options.allowedOrigins ?? []);
  return cors({
    origin: async (origin) => {
      if (origin === "") return null;
      return fixed.has(origin) || await options.keys.isKnownOrigin(origin) ? origin : null;
    },
    allowMethods: ["GET", "HEAD", "POST", "DELETE", "OPTIONS"],
    allowHeaders: [
      "Authorization",
      "Content-Type",
      "Accept",
      "Range",
      "If-None-Match",
      "Last-Event-ID",
    ],
    exposeHeaders: [...EXPOSED_HEADERS],
    maxAge: 600,
  });
}
