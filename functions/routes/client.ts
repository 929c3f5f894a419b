/**
 * The browser client, served from the built bundle (`client/dist/`): the demo page at `/`,
 * `/embed.js`, `/sdk.js` and onnxruntime-web's files under `/ort/`. When the bundle is missing
 * the routes answer 404 in the error shape, saying how to build it.
 *
 * Files whose names carry a content hash (the render worker and its map, onnxruntime's files in
 * their hash-named folder) never change under that name, so they are cached for a year as
 * immutable; the stable names (the page, `embed.js`, `sdk.js`) are revalidated after five minutes.
 *
 * @module
 */
import { Hono } from "hono";
import { etag } from "hono/etag";
import type { AppEnv } from "../middleware/context.ts";
import { ApiError } from "../middleware/errors.ts";
import type { RouteDeps } from "./_deps.ts";

/**
 * The client routes.
 *
 * @example Usage
 * ```ts
 * app.route("/", clientRoutes(deps));
 * ```
 */
export function clientRoutes(deps: Pick<RouteDeps, "staticFiles">): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use("*", etag());
  const serve = (path: string, cacheControl: string) => async (c: import("hono").Context) => {
    const file = await deps.staticFiles?.get(path) ?? null;
    if (file === null) {
      throw new ApiError(
        404,
        "client_not_built",
        `'${path}' is not available: build the browser client with 'npx -y deno@2.9.6 task build'`,
      );
    }
    return c.body(file.body, 200, {
      "Content-Type": file.contentType,
      "Content-Length": String(file.size),
      "Cache-Control": cacheControl,
      // A validator from size and mtime, so the etag middleware never hashes large wasm files.
      "ETag": `W/"${file.size.toString(16)}-${Math.floor(file.mtime).toString(16)}"`,
    });
  };
  app.get("/", serve("index.html", REVALIDATE));
  app.get("/embed.js", serve("embed.js", REVALIDATE));
  app.get("/sdk.js", serve("sdk.js", REVALIDATE));
  app.get("/ort/:file{[\\w.-]+}", (c) => {
    const file = c.req.param("file");
    return serve(`ort/${file}`, CONTENT_HASHED.test(file) ? IMMUTABLE : REVALIDATE)(c);
  });
  // onnxruntime's own files keep their names inside a folder named by their content hash.
  app.get("/ort/:folder{[A-Z0-9]{8}}/:file{[\\w.-]+}", (c) => {
    const { folder, file } = c.req.param();
    return serve(`ort/${folder}/${file}`, IMMUTABLE)(c);
  });
  return app;
}

const REVALIDATE = "public, max-age=300, must-revalidate";
const IMMUTABLE = "public, max-age=31536000, immutable";
/** esbuild's `[name].[hash]` (8 base-32 characters) and the files written beside it. */
const CONTENT_HASHED = /\.[A-Z0-9]{8}\.js(\.map|\.LEGAL\.txt)?$/;
