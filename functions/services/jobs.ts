/**
 * The render-job queue as the HTTP layer sees it: the job contract of the render worker
 * (`functions/worker/types.ts`, plain types and one pure function), re-exported so routes depend
 * on the interface while the implementation (in-process or Redis) is injected from the entry.
 *
 * @module
 */

export {
  isTerminal,
  type Job,
  type JobEvent,
  type JobQueue,
  type JobRequest,
  type JobStatus,
} from "../worker/types.ts";
