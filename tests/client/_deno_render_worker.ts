/**
 * The SDK's render worker (`client/worker/render_worker.ts`) as a Deno Web Worker, for tests that
 * render locally without a browser. A Deno worker started from a file has a `file:` location whose
 * origin is the string "null", which onnxruntime-web uses as a URL base and fails on; a browser
 * serves the worker over http(s). The location is hidden before the worker script loads.
 *
 * The worker script is imported after a pause, in a top-level `await`, as a slow start would
 * (on a fresh cache Deno type-checks it first, for seconds): messages posted to a Deno worker
 * during its top-level `await` are dropped, so this checks that the SDK waits for the worker's
 * `loaded` before it sends `init`.
 */
Object.defineProperty(globalThis, "location", { value: undefined, configurable: true });
await new Promise((resolve) => setTimeout(resolve, 300));
await import("../../client/worker/render_worker.ts");
