/**
 * A standalone render-worker process (`functions/cli/worker.ts`) for the split-topology tests,
 * with its output drained and its readiness awaited.
 */

/** A running worker process. */
export interface WorkerProcess {
  readonly name: string;
  readonly pid: number;
  /** Resolves once the process printed its ready line. */
  readonly ready: Promise<void>;
  /** Everything it printed so far. */
  output(): string;
  /** Sends `signal` and waits for the exit. */
  stop(signal?: Deno.Signal): Promise<Deno.CommandStatus>;
}

const ROOT = new URL("../../../", import.meta.url).pathname;

/** Starts `deno run -A functions/cli/worker.ts` against `redisUrl`. */
export function startWorkerProcess(
  redisUrl: string,
  options: {
    name: string;
    workers?: number;
    args?: string[];
    env?: Record<string, string>;
    /** `--models`; null leaves the flag out (the worker's default). @default "tiny-sd" */
    models?: string | null;
  },
): WorkerProcess {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "functions/cli/worker.ts",
      "--consumer",
      options.name,
      "--workers",
      String(options.workers ?? 1),
      ...(options.models === null ? [] : ["--models", options.models ?? "tiny-sd"]),
      "--device",
      "cpu",
      ...(options.args ?? []),
    ],
    cwd: ROOT,
    env: { SD_REDIS_URL: redisUrl, REDIS_URL: redisUrl, NO_COLOR: "1", ...options.env },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let text = "";
  const { promise: ready, resolve, reject } = Promise.withResolvers<void>();
  const drain = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      text += decoder.decode(chunk, { stream: true });
      if (text.includes(" ready:")) resolve();
    }
  };
  const drained = Promise.all([drain(child.stdout), drain(child.stderr)]);
  const status = child.status.then(async (s) => {
    await drained;
    reject(new Error(`worker ${options.name} exited early (${s.code}):\n${text}`));
    return s;
  });
  return {
    name: options.name,
    pid: child.pid,
    ready,
    output: () => text,
    async stop(signal: Deno.Signal = "SIGTERM") {
      try {
        child.kill(signal);
      } catch {
        // Already gone.
      }
      return await status;
    },
  };
}
