/**
 * The Hono edge app, built from injected services by {@linkcode createApp}. Only Web-standard
 * APIs are used here and below (routes, middleware), so the app runs under `deno serve`, Deno
 * Deploy or any fetch-handler host; runtime specifics (files, Redis, onnxruntime, workers) are
 * services built in `main.ts`.
 *
 * @module
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { logger } from "hono/logger";
import { requestId } from "hono/request-id";
import { secureHeaders } from "hono/secure-headers";
import type { AppEnv } from "./middleware/context.ts";
import { keyCors } from "./middleware/cors.ts";
import { ApiError, createErrorHandler, createNotFoundHandler } from "./middleware/errors.ts";
import type { RouteDeps } from "./routes/_deps.ts";
import { clientRoutes } from "./routes/client.ts";
import { encodeRoutes } from "./routes/encode.ts";
import { randomSeed } from "../shared/generation/mod.ts";
import { healthRoutes } from "./routes/health.ts";
import { imageRoutes } from "./routes/images.ts";
import { jobRoutes } from "./routes/jobs.ts";
import { modelRoutes } from "./routes/models.ts";
import { sdapiRoutes } from "./routes/sdapi.ts";
import { tokenRoutes } from "./routes/tokens.ts";

/** Routes that take image uploads (SD_MAX_IMAGE_BODY_BYTES instead of SD_MAX_BODY_BYTES). */
const IMAGE_UPLOAD_PATHS: readonly string[] = ["/v1/images/edits", "/sdapi/v1/img2img", "/v1/jobs"];

/** Services the app is built from. */
export interface AppDeps extends Omit<RouteDeps, "randomSeed" | "now" | "staticFiles"> {
  /** The built browser client. @default null (client routes answer 404) */
  staticFiles?: RouteDeps["staticFiles"];
  /** Draws a decimal seed when the caller gives none. @default the shared `randomSeed` */
  randomSeed?: () => string;
  /** Clock in milliseconds. @default Date.now */
  now?: () => number;
  /** Request log and unexpected-error sink. @default console */
  log?: { info(line: string): void; error(message: string, error: unknown): void };
}

/**
 * Builds the edge app.
 *
 * @example Usage
 * ```ts
 * const app = createApp({ config, keys, tokens, limiter, catalog, encoder, queue, schedulers });
 * Deno.serve(app.fetch);
 * ```
 */
export function createApp(deps: AppDeps): Hono<AppEnv> {
  const routeDeps: RouteDeps = {
    ...deps,
    staticFiles: deps.staticFiles ?? null,
    randomSeed: deps.randomSeed ?? randomSeed,
    now: deps.now ?? Date.now,
  };
  const log = deps.log ?? { info: (line: string) => console.log(line), error: console.error };
  const app = new Hono<AppEnv>();
  app.onError(createErrorHandler({ log: log.error }));
  app.notFound(createNotFoundHandler(() => app.routes));

  app.use("*", requestId());
  if (deps.config.logRequests) app.use("*", logger((line) => log.info(line)));
  app.use(
    "*",
    secureHeaders({
      // Embeds load /embed.js and model files from other sites.
      crossOriginResourcePolicy: "cross-origin",
      crossOriginOpenerPolicy: "same-origin",
    }),
  );
  app.use("*", keyCors({ keys: deps.keys, allowedOrigins: deps.config.allowedOrigins }));
  // Image uploads get their own, larger limit; every other body stays small.
  const limitOf = (maxSize: number, what: string) =>
    bodyLimit({
      maxSize,
      onError: () => {
        throw new ApiError(
          413,
          "request_too_large",
          `The ${what} is larger than ${maxSize} bytes`,
        );
      },
    });
  const smallBodies = limitOf(deps.config.maxBodyBytes, "request body");
  const imageBodies = limitOf(deps.config.maxImageBodyBytes, "image upload");
  app.use(
    "*",
    (c, next) => (IMAGE_UPLOAD_PATHS.includes(c.req.path) ? imageBodies : smallBodies)(c, next),
  );

  app.route("/healthz", healthRoutes(routeDeps));
  app.route("/v1/models", modelRoutes(routeDeps));
  app.route("/v1/encode", encodeRoutes(routeDeps));
  app.route("/v1/images", imageRoutes(routeDeps));
  app.route("/v1/jobs", jobRoutes(routeDeps));
  app.route("/v1/tokens", tokenRoutes(routeDeps));
  app.route("/sdapi/v1", sdapiRoutes(routeDeps));
  app.route("/", clientRoutes(routeDeps));
  return app;
}
