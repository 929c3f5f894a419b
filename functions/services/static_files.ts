/**
 * Read access to the built browser client (`client/dist/`): the demo page, `embed.js`, `sdk.js`
 * and the onnxruntime-web files under `ort/`.
 *
 * @module
 */

/** A file ready to send. */
export interface StaticFile {
  body: ReadableStream<Uint8Array>;
  size: number;
  contentType: string;
  /** Modification time in milliseconds, for validators. */
  mtime: number;
}

/** Files of the client bundle. */
export interface StaticFiles {
  /** The file at a relative path, `null` when absent. */
  get(path: string): Promise<StaticFile | null>;
}

const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  mjs: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  json: "application/json",
  map: "application/json",
  wasm: "application/wasm",
  svg: "image/svg+xml",
  png: "image/png",
  ico: "image/x-icon",
  txt: "text/plain; charset=utf-8",
};

/**
 * Serves files below `root` from disk; paths with `..` or hidden segments are refused.
 *
 * @example Usage
 * ```ts
 * const files = createDirStaticFiles("client/dist");
 * await files.get("embed.js");
 * ```
 */
export function createDirStaticFiles(root: string): StaticFiles {
  return {
    async get(path) {
      const segments = path.split("/");
      if (segments.some((s) => s === "" || s.startsWith("."))) return null;
      const full = `${root}/${segments.join("/")}`;
      let file: Deno.FsFile;
      try {
        file = await Deno.open(full, { read: true });
      } catch (error) {
        if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.IsADirectory) {
          return null;
        }
        throw error;
      }
      const info = await file.stat();
      if (!info.isFile) {
        file.close();
        return null;
      }
      const ext = path.slice(path.lastIndexOf(".") + 1).toLowerCase();
      return {
        body: file.readable,
        size: info.size,
        contentType: TYPES[ext] ?? "application/octet-stream",
        mtime: info.mtime?.getTime() ?? 0,
      };
    },
  };
}
