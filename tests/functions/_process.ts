/**
 * Real server processes for the multi-process HTTP tests: the `deno serve` entry
 * (`functions/main.ts`) or `deno task start` on a loopback port, awaited on `/healthz`, and the `deno task keys` CLI.
 * Each API process gets its own HTTP client, so no pooled connection outlives the process.
 */

const ROOT = new URL("../../", import.meta.url).pathname;

/** A running `deno serve functions/main.ts`. */
export interface ApiProcess {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** `fetch` of `path` (relative to `url`, or absolute) through this process's own client. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** Everything it printed so far. */
  output(): string;
  /** Sends `signal`, waits for the exit and closes the client; harmless when already gone. */
  stop(signal?: Deno.Signal): Promise<Deno.CommandStatus>;
}

/** Options of {@linkcode startApiProcess}. */
export interface StartApiProcessOptions {
  /** Environment of the process, on top of this one's. */
  env: Record<string, string>;
  /** Port to listen on. @default a free port */
  port?: number;
  /** How long to wait for `/healthz`, in milliseconds. @default {30_000} */
  readyTimeoutMs?: number;
  /**
   * `serve`: `deno serve functions/main.ts` (the edge function entry); `start`: `deno task
   * start`'s `functions/cli/start.ts` (the whole system, printing its URL and keys).
   * @default {"serve"}
   */
  entry?: "serve" | "start";
  /** Command-line arguments of the entry. @default {[]} */
  args?: string[];
}

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort(): number {
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = probe.addr as Deno.NetAddr;
  probe.close();
  return port;
}

function drain(child: Deno.ChildProcess): { text(): string; done: Promise<unknown> } {
  let text = "";
  const read = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) text += decoder.decode(chunk, { stream: true });
  };
  return { text: () => text, done: Promise.all([read(child.stdout), read(child.stderr)]) };
}

/**
 * Starts `deno serve -A --host 127.0.0.1 --port P functions/main.ts` (or `functions/cli/start.ts`
 * with `PORT=P`) and resolves once `/healthz` answers 200; rejects with the process output if it
 * exits or times out first.
 */
export async function startApiProcess(options: StartApiProcessOptions): Promise<ApiProcess> {
  const port = options.port ?? freePort();
  const args = options.entry === "start"
    ? ["run", "-A", "functions/cli/start.ts", ...options.args ?? []]
    : ["serve", "-A", "--host", "127.0.0.1", "--port", String(port), "functions/main.ts"];
  const child = new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    env: { NO_COLOR: "1", ...options.env, PORT: String(port), SD_HOSTNAME: "127.0.0.1" },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const out = drain(child);
  const status = child.status.then(async (s) => {
    await out.done;
    return s;
  });
  let exited = false;
  void status.then(() => exited = true);
  const client = Deno.createHttpClient({});
  const url = `http://127.0.0.1:${port}`;
  const api: ApiProcess = {
    url,
    port,
    pid: child.pid,
    fetch: (path, init = {}) => fetch(new URL(path, url), { ...init, client }),
    output: out.text,
    async stop(signal: Deno.Signal = "SIGTERM") {
      try {
        child.kill(signal);
      } catch {
        // Already gone.
      }
      const result = await status;
      try {
        client.close();
      } catch {
        // Already closed.
      }
      return result;
    },
  };
  const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
  while (true) {
    try {
      const res = await api.fetch("/healthz");
      await res.body?.cancel();
      if (res.ok) return api;
    } catch {
      // Not listening yet.
    }
    if (exited || Date.now() > deadline) {
      const s = await api.stop("SIGKILL");
      throw new Error(`API process on port ${port} is not up (exit ${s.code}):\n${out.text()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Runs `deno task keys create --kind secret` (`functions/cli/keys.ts`) with `env` and returns the
 * printed key; throws with the output when it fails.
 */
export async function createSecretKeyWithCli(env: Record<string, string>): Promise<string> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "functions/cli/keys.ts", "create", "--kind", "secret", "--name", "test"],
    cwd: ROOT,
    env: { NO_COLOR: "1", ...env },
  }).output();
  const text = new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr);
  const key = /\bsk_[0-9A-Za-z]{48}\b/.exec(text)?.[0];
  if (code !== 0 || key === undefined) throw new Error(`deno task keys failed (${code}):\n${text}`);
  return key;
}
