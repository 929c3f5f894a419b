/**
 * Progress output of the CLI: a redrawn bar on a terminal, plain lines otherwise (logs, pipes).
 *
 * @module
 */

import type { PipelineEvent } from "../../shared/pipeline/mod.ts";

/** Options of {@linkcode createProgressReporter}. */
export interface ProgressReporterOptions {
  /** Writes text as is (no newline added). */
  write(text: string): void;
  /** Redraw one bar in place (`\r`) instead of printing lines. */
  terminal: boolean;
  /** Bar width in characters. @default {30} */
  width?: number;
  /** Milliseconds clock. @default {performance.now} */
  now?: () => number;
}

/** A `PipelineEvent` handler that renders progress. */
export function createProgressReporter(
  options: ProgressReporterOptions,
): (event: PipelineEvent) => void {
  const { write, terminal } = options;
  const width = options.width ?? 30;
  const now = options.now ?? (() => performance.now());
  let started = now();
  return (event) => {
    switch (event.type) {
      case "load":
        write(`loaded ${event.component} (${event.loaded}/${event.total})\n`);
        break;
      case "start":
        started = now();
        write(`seed ${event.seed}, ${event.total} steps\n`);
        break;
      case "step": {
        const seconds = ((now() - started) / 1000).toFixed(1);
        if (terminal) {
          const filled = Math.round((event.step / event.total) * width);
          const bar = "█".repeat(filled) + "░".repeat(width - filled);
          const percent = String(Math.round((event.step / event.total) * 100)).padStart(3);
          write(`\r${bar} ${percent}% ${event.step}/${event.total} ${seconds}s`);
          if (event.step === event.total) write("\n");
        } else {
          write(`step ${event.step}/${event.total} (${seconds}s)\n`);
        }
        break;
      }
      case "decode":
        write(`decoding ${event.images} image${event.images === 1 ? "" : "s"}\n`);
        break;
      case "done":
        write(`done in ${(event.timings.totalMs / 1000).toFixed(2)}s\n`);
        break;
    }
  };
}
