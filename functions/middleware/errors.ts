/**
 * The one error shape of the HTTP API, `{ "error": { message, type, code, param } }`, and the
 * single `app.onError` / `app.notFound` pair that maps every thrown value to it. Bad input never
 * becomes a 500; unexpected failures become a 500 without a stack trace (logged server-side).
 *
 * @module
 */
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";

/** Error categories, as in OpenAI's API. */
export type ApiErrorType =
  | "invalid_request_error"
  | "authentication_error"
  | "permission_error"
  | "not_found_error"
  | "rate_limit_error"
  | "server_error"
  | "service_unavailable_error";

/** The JSON body of every error response. */
export interface ErrorBody {
  error: { message: string; type: ApiErrorType; code: string; param: string | null };
}

/** Options of {@linkcode ApiError}. */
export interface ApiErrorOptions {
  /** Request field at fault. @default null */
  param?: string | null;
  /** Extra response headers (`Retry-After`, ...). */
  headers?: Record<string, string>;
  /** Error type. @default derived from the status */
  type?: ApiErrorType;
  cause?: unknown;
}

/**
 * An error the API reports to its caller as it is.
 *
 * @example Usage
 * ```ts
 * throw new ApiError(400, "invalid_value", "'steps' must be in [1, 150]", { param: "steps" });
 * ```
 */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly type: ApiErrorType;
  readonly param: string | null;
  readonly headers: Record<string, string>;
  constructor(status: number, code: string, message: string, options: ApiErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.type = options.type ?? typeForStatus(status);
    this.param = options.param ?? null;
    this.headers = options.headers ?? {};
  }
}

function typeForStatus(status: number): ApiErrorType {
  if (status === 401) return "authentication_error";
  if (status === 403) return "permission_error";
  if (status === 404) return "not_found_error";
  if (status === 429) return "rate_limit_error";
  if (status === 503) return "service_unavailable_error";
  return status >= 500 ? "server_error" : "invalid_request_error";
}

/** Writes `error` as the JSON error response. */
export function errorResponse(c: Context, error: ApiError): Response {
  const body: ErrorBody = {
    error: { message: error.message, type: error.type, code: error.code, param: error.param },
  };
  for (const [name, value] of Object.entries(error.headers)) c.header(name, value);
  c.header("Cache-Control", "no-store");
  return c.json(body, error.status as 400);
}

/** Options of {@linkcode createErrorHandler}. */
export interface ErrorHandlerOptions {
  /** Receives unexpected errors (with stacks) for server-side logs. @default console.error */
  log?: (message: string, error: unknown) => void;
}

/**
 * Builds the `app.onError` handler: `ApiError` as is, Hono's `HTTPException`s (body limit,
 * timeout) by status, a full job queue as 503, anything else as an opaque 500.
 *
 * @example Usage
 * ```ts
 * app.onError(createErrorHandler());
 * ```
 */
export function createErrorHandler(
  options: ErrorHandlerOptions = {},
): (error: Error, c: Context) => Response {
  const log = options.log ?? ((message, error) => console.error(message, error));
  return function onError(error, c) {
    return errorResponse(c, toApiError(error, c, log));
  };
}

function toApiError(
  error: unknown,
  c: Context,
  log: NonNullable<ErrorHandlerOptions["log"]>,
): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof HTTPException) {
    if (error.status === 413) {
      return new ApiError(413, "request_too_large", "Request body is too large");
    }
    if (error.status === 504 || error.status === 408) {
      return new ApiError(504, "timeout", "The request took too long", { type: "server_error" });
    }
    if (error.status < 500) return new ApiError(error.status, "bad_request", error.message);
  }
  if (isQueueFull(error)) {
    const retry = Math.max(1, Math.ceil(error.retryAfterSeconds));
    return new ApiError(503, "queue_full", "The render queue is full, retry later", {
      headers: { "Retry-After": String(retry) },
    });
  }
  if (c.req.raw.signal.aborted) {
    // The client went away (its work was cancelled); nobody reads this answer, nothing to log.
    return new ApiError(499, "client_closed_request", "The client closed the request");
  }
  const requestId = c.get("requestId" as never) as string | undefined;
  log(`[${requestId ?? "-"}] unexpected error on ${c.req.method} ${c.req.path}:`, error);
  return new ApiError(
    500,
    "internal_error",
    "The server failed to handle the request" +
      (requestId ? ` (request id ${requestId})` : ""),
  );
}

/** Duck-typed check for the worker's `QueueFullError` (no import: the queue is injected). */
function isQueueFull(error: unknown): error is { retryAfterSeconds: number } {
  return error instanceof Error &&
    (error.name === "QueueFullError" || error.constructor.name === "QueueFullError") &&
    typeof (error as { retryAfterSeconds?: unknown }).retryAfterSeconds === "number";
}

/** A route as Hono lists it in `app.routes`. */
export interface RouteInfo {
  method: string;
  path: string;
}

/**
 * A Hono route path as a `URLPattern` pathname: `:name{regex}` becomes `:name(regex)` (the regex
 * may hold braces of its own, e.g. `{8}`).
 */
function patternPathname(path: string): string {
  let out = "";
  for (let i = 0; i < path.length; i++) {
    const char = path[i]!;
    if (char !== "{" || !/:\w+$/.test(out)) {
      out += char;
      continue;
    }
    let depth = 1;
    let j = i + 1;
    for (; j < path.length && depth > 0; j++) {
      if (path[j] === "{") depth++;
      else if (path[j] === "}") depth--;
    }
    out += `(${path.slice(i + 1, j - 1)})`;
    i = j - 1;
  }
  return out;
}

/**
 * The `app.notFound` handler: `405` with `Allow` when the path exists under other methods,
 * else `404`, both in the error shape. `routes` is read on each call (pass `() => app.routes`);
 * middleware (`ALL`) does not count as a route.
 *
 * @example Usage
 * ```ts ignore
 * app.notFound(createNotFoundHandler(() => app.routes));
 * ```
 */
export function createNotFoundHandler(
  routes: () => readonly RouteInfo[],
): (c: Context) => Response {
  const patterns = new Map<string, URLPattern>();
  const matches = (path: string, pathname: string) => {
    let pattern = patterns.get(path);
    if (pattern === undefined) {
      pattern = new URLPattern({ pathname: patternPathname(path) });
      patterns.set(path, pattern);
    }
    return pattern.test({ pathname });
  };
  return (c) => {
    const allowed = new Set<string>();
    for (const route of routes()) {
      if (route.method === "ALL" || !matches(route.path, c.req.path)) continue;
      allowed.add(route.method);
      if (route.method === "GET") allowed.add("HEAD");
    }
    if (allowed.size > 0 && !allowed.has(c.req.method)) {
      const allow = [...allowed].sort().join(", ");
      return errorResponse(
        c,
        new ApiError(
          405,
          "method_not_allowed",
          `${c.req.path} does not take ${c.req.method}: use ${allow}`,
          { headers: { Allow: allow } },
        ),
      );
    }
    return errorResponse(
      c,
      new ApiError(404, "route_not_found", `No route for ${c.req.method} ${c.req.path}`),
    );
  };
}
