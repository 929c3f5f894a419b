/**
 * Human-readable progress for pulls: a header line when the revision is resolved, one line per
 * file, and on a terminal a percentage line rewritten in place (at most ten times a second).
 *
 * @module
 */

import type { PullEvent } from "./pull.ts";

/** Options of {@linkcode createPullReporter}. */
export interface PullReporterOptions {
  /** Writes text (stderr). */
  write(text: string): void;
  /** Rewrite one progress line in place (a TTY). @default {false} */
  terminal?: boolean;
  /** @default {Date.now} */
  now?(): number;
}

/**
 * Formats a byte count with binary units, one decimal.
 *
 * @example
 * ```ts
 * formatBytes(5_708_048); // "5.4 MB"
 * ```
 */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/**
 * An `onProgress` callback for {@linkcode pullModel} that prints to `options.write`.
 *
 * @example
 * ```ts ignore
 * await pullModel(ref, { cacheDir, onProgress: createPullReporter({ write: console.error }) });
 * ```
 */
export function createPullReporter(options: PullReporterOptions): (event: PullEvent) => void {
  const now = options.now ?? Date.now;
  const clear = options.terminal ? "\r\x1b[K" : "";
  let lastDraw = -Infinity;
  return (event) => {
    if (event.type === "resolve") {
      options.write(
        `${event.repo}@${event.revision} → ${event.commit.slice(0, 12)}: ${event.files} files, ` +
          `${formatBytes(event.bytes)}\n`,
      );
    } else if (event.type === "download" && options.terminal) {
      const time = now();
      if (time - lastDraw < 100 && event.loaded < event.total) return;
      lastDraw = time;
      const percent = ((event.loaded / event.total) * 100).toFixed(0).padStart(3);
      options.write(`${clear}  ${event.path}  ${percent}%  ${formatBytes(event.loaded)}`);
    } else if (event.type === "file") {
      const how = event.cached ? "cached" : "downloaded";
      options.write(`${clear}  ${event.path}  ${formatBytes(event.bytes)}  ${how}\n`);
    }
  };
}
