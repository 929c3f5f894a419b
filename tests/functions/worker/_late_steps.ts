/**
 * Instrumentation for the cancellation tests: wraps a queue's worker side and counts, per job,
 * the progress reports a render pool makes after the job's claim was aborted.
 */
import type { ClaimedJob, JobSource } from "../../../functions/worker/mod.ts";

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
