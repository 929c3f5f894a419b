/**
 * Hugging Face hub downloads into a hub-layout cache, through `@huggingface/hub`.
 *
 * @module
 */

export {
  cachedCommit,
  isCommitHash,
  isHubId,
  parseRepoRef,
  type RepoCachePaths,
  repoCachePaths,
  type RepoRef,
} from "./cache_layout.ts";
export { DownloadIntegrityError, HubApiError, HubPullError } from "./errors.ts";
export { createPullReporter, formatBytes, type PullReporterOptions } from "./progress.ts";
export { type PullEvent, pullModel, type PullModelOptions, type PullResult } from "./pull.ts";
