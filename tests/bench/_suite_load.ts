/**
 * The machine is shared (2 cores, other engineers' test runs, V8 compiling onnxruntime-web's wasm
 * in background threads after a wasm run), so every timed measurement first waits for the machine
 * to go quiet and then records how busy the rest of the machine was while it ran: a figure taken
 * next to a busy neighbour says so in `details.otherCores`.
 */

import process from "node:process";

/** Busy CPU seconds of the whole machine (all cores) from /proc/stat, `null` where unreadable. */
function machineBusySeconds(): number | null {
  try {
    const line = Deno.readTextFileSync("/proc/stat").split("\n", 1)[0]!;
    const [user, nice, system, _idle, _iowait, irq, softirq, steal] = line.trim().split(/\s+/)
      .slice(1).map(Number) as number[];
    return (user! + nice! + system! + irq! + softirq! + (steal ?? 0)) / 100;
  } catch {
    return null;
  }
}

function selfSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/** Measures how many cores other processes kept busy between `start()` and `stop()`. */
export class LoadMeter {
  #machine: number | null = null;
  #self = 0;
  #wall = 0;

  start(): void {
    this.#machine = machineBusySeconds();
    this.#self = selfSeconds();
    this.#wall = performance.now();
  }

  /** Average cores busy outside this process (0 where /proc/stat is unreadable). */
  stop(): number {
    const machine = machineBusySeconds();
    if (machine === null || this.#machine === null) return 0;
    const seconds = (performance.now() - this.#wall) / 1000;
    const other = (machine - this.#machine) - (selfSeconds() - this.#self);
    return seconds > 0 ? Math.max(0, Math.round((other / seconds) * 100) / 100) : 0;
  }
}

/** Options of {@linkcode settle}. */
export interface SettleOptions {
  /** Cores busy (this process included) below which the machine counts as quiet. @default {0.3} */
  threshold?: number;
  /** Longest wait, ms. @default {the configured limit, 20 s unless `configureSettle` changed it} */
  maxMs?: number;
}

let defaultMaxMs = 20_000;

/** Sets the longest wait of every later {@linkcode settle} (the quick suite waits less). */
export function configureSettle(options: { maxMs: number }): void {
  defaultMaxMs = options.maxMs;
}

/** The longest wait currently configured, ms. */
export function settleLimit(): number {
  return defaultMaxMs;
}

/** Waits until the machine is quiet (or `maxMs` passed); returns the milliseconds waited. */
export async function settle(options: SettleOptions = {}): Promise<number> {
  const threshold = options.threshold ?? 0.3;
  const maxMs = options.maxMs ?? defaultMaxMs;
  const start = performance.now();
  while (performance.now() - start < maxMs) {
    const before = machineBusySeconds() ?? selfSeconds();
    const t = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 250));
    const busy = ((machineBusySeconds() ?? selfSeconds()) - before) /
      ((performance.now() - t) / 1000);
    if (busy < threshold) break;
  }
  return Math.round(performance.now() - start);
}
