/**
 * Instrumentation for the cancellation tests: wraps a queue's worker side and counts, per job,
 * the progress reports a render pool makes after the job's claim was aborted.
 */
import type { ClaimedJob, JobSource } from "../../../functions/worker/mod.ts";

/**
 * How many progress reports may still follow a cancel. Steps already posted, and those run while
 * the cancel message crosses to the Worker, still arrive: a tiny step takes ~3 ms, so their number
 * is the cancel's latency divided by 3 ms, which a loaded 2-core machine stretches (CI has seen 5,
 * then 13 with the suite's Chromium tests beside it). The Worker itself stops at its next step
 * check (`textToImage`'s abort tests show that exactly); what these tests show is that the cancel
 * crosses processes and threads and ends the render early: at most a tenth of the ~795 steps left
 * in the tests' 800-step job may follow it.
 */
export const MAX_LATE_STEPS = 80;

/** Counts, per job, the progress reports that arrive after its claim was aborted. */
export function countLateSteps(queue: JobSource): { source: JobSource; late: Map<string, number> } {
  const late = new Map<string, number>();
  return {
    late,
    source: {
      async claim(options) {
        const claimed = await queue.claim(options);
        if (claimed === null) return null;
        const counted: ClaimedJob = {
          job: claimed.job,
          signal: claimed.signal,
          progress(step, total) {
            if (claimed.signal.aborted) {
              late.set(claimed.job.id, (late.get(claimed.job.id) ?? 0) + 1);
            }
            return claimed.progress(step, total);
          },
          succeed: (output) => claimed.succeed(output),
          fail: (error) => claimed.fail(error),
          release: () => claimed.release(),
        };
        return counted;
      },
    },
  };
}
