/**
 * The SDK's render worker (`client/worker/render_worker.ts`) as a Deno Web Worker, for tests that
 * render locally without a browser. A Deno worker started from a file has a `file:` location whose
 * origin is the string "null", which onnxruntime-web uses as a URL base and fails on; a browser
 * serves the worker over http(s). The location is hidden before the worker script loads.
 */
Object.defineProperty(globalThis, "location", { value: undefined, configurable: true });
await import("../../client/worker/render_worker.ts");
