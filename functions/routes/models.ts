/**
 * Models: `GET /v1/models`, `GET /v1/models/:id` (the manifest, each file with its URL) and the
 * files themselves at content-addressed URLs `/v1/models/:id/files/:sha256/:path`, served with
 * `Range`, a strong `ETag` (the sha256) and immutable caching, so browsers and CDNs keep them.
 *
 * @module
 */
import { Hono } from "hono";
import { etag } from "hono/etag";
import { timeout } from "hono/timeout";
import type { ModelFile, ModelManifest } from "../../shared/manifest.ts";
import type { AppEnv } from "../middleware/context.ts";
import { ApiError } from "../middleware/errors.ts";
import type { ByteRange } from "../services/models/catalog.ts";
import { manifestFileRefs, manifestFiles } from "../../shared/manifest_files.ts";
import type { RouteDeps } from "./_deps.ts";
import { authFor, rateLimitFor } from "./_guards.ts";
import { baseUrl } from "./_generation.ts";

/**
 * The model routes.
 *
 * @example Usage
 * ```ts
 * app.route("/v1/models", modelRoutes(deps));
 * ```
 */
export function modelRoutes(deps: RouteDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use(
    "*",
    authFor(deps, "models"),
    rateLimitFor(deps),
    etag({ retainedHeaders: ["cache-control", "etag", "vary", "accept-ranges"] }),
  );

  app.get("/", timeout(deps.config.requestTimeoutMs), async (c) => {
    const data = [];
    for (const id of deps.catalog.ids()) {
      const manifest = await deps.catalog.get(id);
      if (manifest === null) continue;
      data.push({
        id,
        object: "model",
        created: 0,
        owned_by: "sd-edge",
        family: manifest.family,
        description: manifest.description ?? null,
        license: manifest.license,
        defaults: manifest.defaults,
      });
    }
    c.header("Cache-Control", "private, max-age=60");
    return c.json({ object: "list", data });
  });

  app.get("/:id", timeout(deps.config.requestTimeoutMs), async (c) => {
    const id = c.req.param("id");
    const manifest = await deps.catalog.get(id);
    if (manifest === null) throw modelNotFound(id);
    const base = `${baseUrl(deps, c.req.url)}/v1/models/${encodeURIComponent(id)}/files`;
    c.header("Cache-Control", "private, max-age=60");
    return c.json(withFileUrls(manifest, base));
  });

  app.on(["GET", "HEAD"], "/:id/files/:sha256/:path{.+}", async (c) => {
    const { id, sha256, path } = c.req.param();
    const handle = await deps.catalog.file(id, path);
    if (handle === null || handle.file.sha256 !== sha256.toLowerCase()) {
      throw new ApiError(404, "file_not_found", `Model '${id}' has no file '${path}' @ ${sha256}`);
    }
    const { file } = handle;
    const headers: Record<string, string> = {
      "Content-Type": contentTypeOf(file.path),
      "Cache-Control": "public, max-age=31536000, immutable",
      "ETag": `"${file.sha256}"`,
      "Accept-Ranges": "bytes",
    };
    const range = rangeOf(c.req.header("Range"), c.req.header("If-Range"), file);
    if (range === "unsatisfiable") {
      throw new ApiError(
        416,
        "range_not_satisfiable",
        `Range is outside the file's ${file.bytes} bytes`,
        {
          headers: { "Content-Range": `bytes */${file.bytes}` },
        },
      );
    }
    const status = range === null ? 200 : 206;
    const length = range === null ? file.bytes : range.end - range.start + 1;
    headers["Content-Length"] = String(length);
    if (range !== null) {
      headers["Content-Range"] = `bytes ${range.start}-${range.end}/${file.bytes}`;
    }
    const ifNoneMatch = c.req.header("If-None-Match");
    const body =
      c.req.method === "HEAD" || ifNoneMatch !== undefined && ifNoneMatch.includes(file.sha256)
        ? null
        : await handle.open(range ?? undefined);
    return body === null ? c.body(null, status, headers) : c.body(body, status, headers);
  });
  return app;
}

function modelNotFound(id: string): ApiError {
  return new ApiError(404, "model_not_found", `The model '${id}' is not served here`, {
    param: "model",
  });
}

/**
 * A deep copy of the manifest where every file carries its `url`, plus a flat `files` list with
 * each path once.
 */
function withFileUrls(manifest: ModelManifest, base: string) {
  const url = (f: ModelFile) =>
    `${base}/${f.sha256}/${f.path.split("/").map(encodeURIComponent).join("/")}`;
  const copy = structuredClone(manifest);
  for (const file of manifestFileRefs(copy)) Object.assign(file, { url: url(file) });
  return {
    ...copy,
    object: "model",
    files: manifestFiles(manifest).map((f) => ({ ...f, url: url(f) })),
  };
}

/**
 * The single byte range requested, `null` for the whole file (no or ignored `Range`), or
 * `"unsatisfiable"`. Multiple ranges are served as the whole file, which RFC 9110 allows.
 */
export function rangeOf(
  header: string | undefined,
  ifRange: string | undefined,
  file: ModelFile,
): ByteRange | null | "unsatisfiable" {
  if (header === undefined) return null;
  if (ifRange !== undefined && ifRange.trim() !== `"${file.sha256}"`) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (match === null || (match[1] === "" && match[2] === "")) return null;
  const size = file.bytes;
  let start: number;
  let end: number;
  if (match[1] === "") {
    const suffix = Number(match[2]);
    if (suffix === 0) return "unsatisfiable";
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === "" ? size - 1 : Math.min(Number(match[2]), size - 1);
    if (end < start && match[2] !== "") return null;
  }
  if (start >= size || size === 0) return "unsatisfiable";
  return { start, end };
}

function contentTypeOf(path: string): string {
  if (path.endsWith(".json")) return "application/json";
  if (path.endsWith(".txt")) return "text/plain; charset=utf-8";
  return "application/octet-stream";
}
