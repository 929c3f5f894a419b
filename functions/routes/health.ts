/**
 * `GET /healthz`: liveness, without authentication.
 *
 * @module
 */
import { Hono } from "hono";
import type { AppEnv } from "../middleware/context.ts";
import type { RouteDeps } from "./_deps.ts";

/**
 * The health route.
 *
 * @example Usage
 * ```ts
 * app.route("/healthz", healthRoutes(deps));
 * ```
 */
export function healthRoutes(deps: Pick<RouteDeps, "catalog">): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get("/", (c) => {
    c.header("Cache-Control", "no-store");
    return c.json({ status: "ok", models: deps.catalog.ids() });
  });
  return app;
}
