/**
 * Subprocesses of the suite. Measurements that must see a clean process (peak resident memory),
 * that may exhaust memory (full-size networks on WebGPU) or that print to stdout (onnxruntime-web
 * writes its profile there) run as `deno run -A <child> <json>`; the child prints its result as
 * one `SUITE_RESULT <json>` line and the parent gets that plus the rest of stdout.
 */

import { configureSettle, settleLimit } from "./_suite_load.ts";

const MARKER = "SUITE_RESULT ";

/** What a child run gave back. */
export interface ChildOutput<T> {
  result: T;
  /** Every stdout line except the result line. */
  lines: string[];
}

/**
 * Runs `script` (a module of this folder) with `args` as its JSON argument, killing it after
 * `timeoutMs`. Rejects with the child's last stderr lines when it fails or prints no result.
 */
export async function runChild<T>(
  script: string,
  args: unknown,
  options: { timeoutMs: number },
): Promise<ChildOutput<T>> {
  const path = new URL(script, import.meta.url).pathname;
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--v8-flags=--expose-gc",
      path,
      JSON.stringify({ args, settleMaxMs: settleLimit() }),
    ],
    stdout: "piped",
    stderr: "piped",
    // Mesa's software Vulkan wants a runtime dir; without one it prints an error per adapter.
    env: { XDG_RUNTIME_DIR: Deno.env.get("XDG_RUNTIME_DIR") ?? "/tmp" },
  }).spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs);
  const { code, signal, stdout, stderr } = await child.output().finally(() => clearTimeout(timer));
  const lines = new TextDecoder().decode(stdout).split("\n");
  const resultLine = lines.findLast((line) => line.startsWith(MARKER));
  if (code !== 0 || resultLine === undefined) {
    const errors = new TextDecoder().decode(stderr).trim().split("\n");
    // Deno prints an uncaught error as "error: ..." followed by its stack; keep the message.
    const tail = errors.find((line) => line.startsWith("error:")) ?? errors.slice(-3).join(" | ");
    const how = signal === "SIGKILL" ? `killed after ${options.timeoutMs} ms` : `exit ${code}`;
    throw new Error(`${script} failed (${how}): ${tail || "no result printed"}`);
  }
  return {
    result: JSON.parse(resultLine.slice(MARKER.length)) as T,
    lines: lines.filter((line) => !line.startsWith(MARKER)),
  };
}

/** Child side: the JSON argument the parent passed (and the parent's settle limit applied). */
export function childArgs<T>(): T {
  const { args, settleMaxMs } = JSON.parse(Deno.args[0] ?? "{}") as {
    args: T;
    settleMaxMs?: number;
  };
  if (settleMaxMs !== undefined) configureSettle({ maxMs: settleMaxMs });
  return args;
}

/** Child side: prints the result line the parent reads. */
export function reportResult(result: unknown): void {
  console.log(MARKER + JSON.stringify(result));
}

/** Child side: the process's resident memory now and at its peak, from /proc/self/status. */
export function residentMemory(): { rssBytes: number; peakBytes: number } {
  const status = Deno.readTextFileSync("/proc/self/status");
  const kib = (field: string) => Number(status.match(new RegExp(`${field}:\\s+(\\d+) kB`))?.[1]);
  return { rssBytes: kib("VmRSS") * 1024, peakBytes: kib("VmHWM") * 1024 };
}
