/**
 * Stops a server whose launcher is gone. `npx -y deno@2.9.6 task start` runs the server three
 * processes below npx (npx → sh → `deno task` → `deno run`); stopping npx does not pass the
 * signal down, so the server would live on, orphaned, holding its port. This watch records the
 * ancestors up to the npm launcher (`npx`, `npm exec`) at start and calls back once any of them has
 * exited; without such a launcher (or off Linux, where there is no `/proc`) it watches only the
 * direct parent (`Deno.ppid`), so a server started from a shell outlives nothing it did before.
 *
 * @module
 */

/** Options of {@linkcode watchParents}. */
export interface WatchParentsOptions {
  /** Milliseconds between checks. @default {1000} */
  intervalMs?: number;
  /** How far up to look for the npm launcher (init, pid 1, is never watched). @default {4} */
  depth?: number;
}

/** An ancestor as `/proc/<pid>/stat` describes it: its parent and its start time. */
function procStat(pid: number): { ppid: number; started: string } | null {
  try {
    const text = Deno.readTextFileSync(`/proc/${pid}/stat`);
    // The command name (field 2) may hold spaces and parentheses: fields follow the last ')'.
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return { ppid: Number(fields[1]), started: fields[19] ?? "" };
  } catch {
    return null;
  }
}

/** Whether `pid` runs npm's launcher (`npx …` or `npm exec …`). */
function isNpmLauncher(pid: number): boolean {
  try {
    // npm rewrites its process title into one string ("npm exec deno@2.9.6 task start").
    const command = Deno.readTextFileSync(`/proc/${pid}/cmdline`).replaceAll("\0", " ");
    return /^npm exec |(^|\/)npx(-cli\.js)? /.test(command);
  } catch {
    return false;
  }
}

/**
 * Calls `onGone` once when a process that started this one has exited; returns a function that
 * stops watching. The timer does not keep the process alive.
 *
 * @example Shut down when the terminal's npx is stopped
 * ```ts ignore
 * const unwatch = watchParents(() => void stop());
 * ```
 */
export function watchParents(onGone: () => void, options: WatchParentsOptions = {}): () => void {
  const chain: { pid: number; started: string }[] = [];
  let ancestors: typeof chain = [];
  let pid = Deno.ppid;
  for (let i = 0; i < (options.depth ?? 4) && pid > 1; i++) {
    const stat = procStat(pid);
    if (stat === null) break;
    chain.push({ pid, started: stat.started });
    if (isNpmLauncher(pid)) {
      ancestors = chain;
      break;
    }
    pid = stat.ppid;
  }
  const parent = Deno.ppid;
  const gone = () =>
    Deno.ppid !== parent ||
    ancestors.some(({ pid, started }) => procStat(pid)?.started !== started);
  const timer = setInterval(() => {
    if (!gone()) return;
    clearInterval(timer);
    onGone();
  }, options.intervalMs ?? 1000);
  Deno.unrefTimer(timer);
  return () => clearInterval(timer);
}
