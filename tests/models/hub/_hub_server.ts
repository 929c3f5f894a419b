/**
 * A local Hugging Face hub look-alike for the download tests, on loopback: the endpoints and
 * headers `@huggingface/hub` 2.17.5 uses (`/api/models/{repo}/revision/{rev}`,
 * `/api/models/{repo}/tree/{rev}` paginated with `Link: <…>; rel="next"`,
 * `/{repo}/resolve/{rev}/{path}` with `ETag`, `X-Repo-Commit`, `X-Linked-Size`, `X-Linked-ETag`,
 * a 302 to a CDN path for LFS files, Range/206/416), the hub's error codes (`X-Error-Code`
 * RepoNotFound / RevisionNotFound / EntryNotFound, 401 for private repos without a token), and
 * injectable faults (dropped connections, ignored Range, corrupted or truncated content).
 */

import { createHash } from "node:crypto";

/** One file of the served repository. */
export interface HubFile {
  bytes: Uint8Array;
  /** Stored with git LFS (served through the CDN redirect). */
  lfs: boolean;
}

/** A fault applied to one CDN body request (probes `Range: bytes=0-0` are never faulted). */
export type Fault =
  | { kind: "drop"; after: number }
  | { kind: "ignore-range" }
  | { kind: "status"; status: number };

/** One request the server saw. */
export interface LoggedRequest {
  method: string;
  path: string;
  range: string | null;
  authorization: string | null;
}

/** Options of {@linkcode startHubServer}. */
export interface HubServerOptions {
  repo: string;
  files: Record<string, HubFile>;
  /** Require `Authorization: Bearer <token>` (a private repo). */
  token?: string;
  /** Entries per tree page. @default {4} */
  pageSize?: number;
}

/** The running server. */
export interface HubServer {
  url: string;
  commit: string;
  requests: LoggedRequest[];
  /** Faults for successive body requests of `path`, consumed in order. */
  faults: Map<string, Fault[]>;
  /** Replaces the bytes the CDN serves for `path` (the listing keeps the original size/hash). */
  tamper(path: string, bytes: Uint8Array): void;
  close(): Promise<void>;
}

function hex(algorithm: string, ...parts: (string | Uint8Array)[]): string {
  const hash = createHash(algorithm);
  for (const part of parts) hash.update(part);
  return hash.digest("hex");
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json; charset=utf-8", ...headers },
  });
}

function hubError(status: number, code: string, message: string): Response {
  return json(status, { error: message }, { "X-Error-Code": code, "X-Error-Message": message });
}

function parseRange(header: string | null, size: number): [number, number] | "invalid" | null {
  if (header === null) return null;
  const match = /^bytes=(\d+)-(\d*)$/.exec(header);
  if (!match) return "invalid";
  const start = Number(match[1]);
  const end = match[2] === "" ? size - 1 : Math.min(Number(match[2]), size - 1);
  return start >= size || end < start ? "invalid" : [start, end];
}

function body(bytes: Uint8Array, fault: Fault | undefined): BodyInit {
  if (fault?.kind !== "drop") return bytes as Uint8Array<ArrayBuffer>;
  let sent = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!sent) {
        sent = true;
        controller.enqueue(bytes.slice(0, fault.after));
        return;
      }
      // Let the bytes reach the client, then cut the connection mid-body.
      await new Promise((resolve) => setTimeout(resolve, 50));
      controller.error(new Error("test server: dropping the connection on purpose"));
    },
  });
}

function serveBytes(
  request: Request,
  bytes: Uint8Array,
  headers: Record<string, string>,
  fault: Fault | undefined,
): Response {
  if (fault?.kind === "status") return hubError(fault.status, "Fault", `status ${fault.status}`);
  const range = fault?.kind === "ignore-range"
    ? null
    : parseRange(request.headers.get("Range"), bytes.byteLength);
  const common = {
    ...headers,
    "Accept-Ranges": "bytes",
    "Content-Type": "application/octet-stream",
  };
  if (range === "invalid") {
    return new Response(null, {
      status: 416,
      headers: { ...common, "Content-Range": `bytes */${bytes.byteLength}` },
    });
  }
  if (range === null) {
    return new Response(body(bytes, fault), {
      headers: { ...common, "Content-Length": `${bytes.byteLength}` },
    });
  }
  const [start, end] = range;
  return new Response(body(bytes.subarray(start, end + 1), fault), {
    status: 206,
    headers: {
      ...common,
      "Content-Length": `${end - start + 1}`,
      "Content-Range": `bytes ${start}-${end}/${bytes.byteLength}`,
    },
  });
}

/**
 * Starts the server on 127.0.0.1, port 0.
 *
 * @example
 * ```ts ignore
 * await using server = await startHubServer({ repo: "org/tiny", files });
 * ```
 */
export function startHubServer(options: HubServerOptions): HubServer & AsyncDisposable {
  const commit = hex("sha1", options.repo, ...Object.keys(options.files));
  const pageSize = options.pageSize ?? 4;
  const meta = new Map(
    Object.entries(options.files).map(([path, file]) => [path, {
      ...file,
      sha256: hex("sha256", file.bytes),
      gitSha1: hex("sha1", `blob ${file.bytes.byteLength}\0`, file.bytes),
    }]),
  );
  const served = new Map<string, Uint8Array>();
  const requests: LoggedRequest[] = [];
  const faults = new Map<string, Fault[]>();

  const tree = (): Record<string, unknown>[] => {
    const folders = new Set<string>();
    for (const path of meta.keys()) {
      const parts = path.split("/");
      for (let i = 1; i < parts.length; i++) folders.add(parts.slice(0, i).join("/"));
    }
    const entries: Record<string, unknown>[] = [...folders].map((path) => ({
      type: "directory",
      oid: hex("sha1", path),
      size: 0,
      path,
    }));
    for (const [path, file] of meta) {
      entries.push({
        type: "file",
        oid: file.gitSha1,
        size: file.bytes.byteLength,
        path,
        ...(file.lfs
          ? { lfs: { oid: file.sha256, size: file.bytes.byteLength, pointerSize: 134 } }
          : {}),
      });
    }
    return entries.sort((a, b) => String(a.path).localeCompare(String(b.path)));
  };

  const handler = (request: Request): Response => {
    const url = new URL(request.url);
    const auth = request.headers.get("Authorization");
    requests.push({
      method: request.method,
      path: url.pathname,
      range: request.headers.get("Range"),
      authorization: auth,
    });
    if (url.pathname.startsWith("/cdn/")) {
      const path = decodeURIComponent(url.searchParams.get("path") ?? "");
      const file = meta.get(path);
      if (!file) return new Response("no such object", { status: 404 });
      const probe = request.headers.get("Range") === "bytes=0-0";
      const fault = probe ? undefined : faults.get(path)?.shift();
      return serveBytes(
        request,
        served.get(path) ?? file.bytes,
        { ETag: `"${file.sha256}"` },
        fault,
      );
    }
    const prefix = `/${options.repo}/resolve/`;
    const api = `/api/models/${options.repo}/`;
    if (!url.pathname.startsWith(prefix) && !url.pathname.startsWith(api)) {
      return hubError(404, "RepoNotFound", "Repository not found");
    }
    if (options.token !== undefined && auth !== `Bearer ${options.token}`) {
      return hubError(401, "RepoNotFound", "Invalid username or password.");
    }
    const rest = url.pathname.startsWith(prefix)
      ? url.pathname.slice(prefix.length)
      : url.pathname.slice(api.length);
    const [kind, encodedRev, ...pathParts] = url.pathname.startsWith(prefix)
      ? ["resolve", ...rest.split("/")]
      : rest.split("/");
    const revision = decodeURIComponent(encodedRev ?? "");
    if (revision !== "main" && revision !== "HEAD" && revision !== commit) {
      return hubError(404, "RevisionNotFound", `Invalid rev id: ${revision}`);
    }
    if (kind === "revision") {
      return json(200, {
        _id: "0123456789abcdef01234567",
        id: options.repo,
        sha: commit,
        private: options.token !== undefined,
        gated: false,
        downloads: 0,
        likes: 0,
        lastModified: "2024-01-01T00:00:00.000Z",
        pipeline_tag: "text-to-image",
        cardData: { license: "mit" },
        siblings: [...meta.keys()].map((rfilename) => ({ rfilename })),
      });
    }
    if (kind === "tree") {
      const entries = tree();
      const cursor = Number(url.searchParams.get("cursor") ?? "0");
      const next = cursor + pageSize;
      const headers: Record<string, string> = {};
      if (next < entries.length) {
        const link = new URL(url);
        link.searchParams.set("cursor", `${next}`);
        headers.Link = `<${link.href}>; rel="next"`;
      }
      return json(200, entries.slice(cursor, next), headers);
    }
    if (kind !== "resolve") return hubError(404, "EntryNotFound", "Not found");
    const path = pathParts.map(decodeURIComponent).join("/");
    const file = meta.get(path);
    if (!file) return hubError(404, "EntryNotFound", `${path} does not exist on "${revision}"`);
    const headers = { "X-Repo-Commit": commit };
    if (file.lfs) {
      return new Response(null, {
        status: 302,
        headers: {
          ...headers,
          Location: `/cdn/${file.sha256}?path=${encodeURIComponent(path)}`,
          ETag: `"${file.sha256}"`,
          "X-Linked-ETag": `"${file.sha256}"`,
          "X-Linked-Size": `${file.bytes.byteLength}`,
        },
      });
    }
    return serveBytes(request, file.bytes, { ...headers, ETag: `"${file.gitSha1}"` }, undefined);
  };

  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handler);
  const close = async () => {
    await server.shutdown();
  };
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    commit,
    requests,
    faults,
    tamper: (path, bytes) => served.set(path, bytes),
    close,
    [Symbol.asyncDispose]: close,
  };
}
