/**
 * Authenticated calls to the API with one error path: non-2xx answers become `SdClientError`s from
 * the API's error shape, and a request the browser blocked (CORS, because the key's allowed
 * origins do not include this page) is told apart from an unreachable server.
 *
 * @module
 */

import { errorFromResponse, isAbortError, SdClientError } from "./errors.ts";

/** Options of {@linkcode createApi}. */
export interface ApiOptions {
  baseUrl: string;
  key: string;
  fetch: typeof fetch;
}

/** Requests against one API base URL with one credential. */
export interface Api {
  readonly baseUrl: string;
  /** Absolute URL of an API path (`/v1/...`). */
  url(path: string): string;
  /** Sends an authenticated request; resolves to a 2xx response, throws `SdClientError`. */
  request(path: string, init?: RequestInit & { auth?: boolean }): Promise<Response>;
  /** `request` then `json()`. */
  json<T>(path: string, init?: RequestInit): Promise<T>;
}

/** `https://host/prefix/` → `https://host/prefix` (no trailing slash). */
export function normalizeBaseUrl(baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl, globalThis.location?.href);
  } catch {
    throw new TypeError(
      `Cannot create a client as 'baseUrl' is not a URL: current value is '${String(baseUrl)}'`,
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new TypeError(
      `Cannot create a client as 'baseUrl' must be http(s): current value is '${baseUrl}'`,
    );
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
}

/**
 * Explains a `fetch` that threw before any answer. In a browser, a server that answers a
 * `no-cors` probe is up, so the real request was refused by CORS: the page's origin is not
 * allowed for this key.
 */
async function diagnose(
  api: ApiOptions,
  error: unknown,
  signal: AbortSignal | null | undefined,
): Promise<SdClientError> {
  const origin = globalThis.location?.origin;
  if (origin !== undefined && origin !== "null") {
    try {
      await api.fetch(`${api.baseUrl}/healthz`, {
        mode: "no-cors",
        cache: "no-store",
        ...(signal ? { signal } : {}),
      });
      return new SdClientError(
        "forbidden_origin",
        `This site (${origin}) is not allowed to use this key: add it to the key's allowed ` +
          "origins",
        { serverCode: "origin_not_allowed", cause: error },
      );
    } catch {
      // Unreachable as well: a network error.
    }
  }
  return new SdClientError("network_error", `Cannot reach the image server at ${api.baseUrl}`, {
    cause: error,
  });
}

/**
 * Builds the API helper.
 *
 * @example Usage
 * ```ts ignore
 * const api = createApi({ baseUrl: "https://sd.example.com", key: "pk_...", fetch });
 * const manifest = await api.json("/v1/models/tiny-sd");
 * ```
 */
export function createApi(options: ApiOptions): Api {
  const api: Api = {
    baseUrl: options.baseUrl,
    url: (path) => `${options.baseUrl}${path}`,
    async request(path, init = {}) {
      const { auth = true, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (auth) headers.set("Authorization", `Bearer ${options.key}`);
      let response: Response;
      try {
        response = await options.fetch(path.startsWith("http") ? path : api.url(path), {
          ...rest,
          headers,
        });
      } catch (error) {
        if (isAbortError(error) || rest.signal?.aborted) throw rest.signal?.reason ?? error;
        throw await diagnose(options, error, rest.signal);
      }
      if (!response.ok) throw await errorFromResponse(response);
      return response;
    },
    async json<T>(path: string, init?: RequestInit) {
      return await (await api.request(path, init)).json() as T;
    },
  };
  return api;
}
