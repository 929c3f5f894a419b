/**
 * The render worker and its job queues: the queue contract, an in-process queue (one machine), a
 * Redis Streams queue (many API instances, many workers), and the pool of render Workers that
 * runs the shared pipeline on onnxruntime-node.
 *
 * @module
 */

export {
  type ClaimedJob,
  type ClaimOptions,
  isTerminal,
  type Job,
  type JobEvent,
  type JobQueue,
  type JobRequest,
  type JobSource,
  type JobStatus,
  type JobWatchOptions,
  type RenderOutput,
} from "./types.ts";
export { JobCancelledError, QueueFullError } from "./errors.ts";
export {
  createInProcessQueue,
  InProcessQueue,
  type InProcessQueueOptions,
} from "./in_process_queue.ts";
export { createRedisQueue, RedisQueue, type RedisQueueOptions } from "./redis_queue.ts";
export {
  describeRendering,
  type RenderDevice,
  type RenderingReport,
  type RenderPool,
  type RenderPoolOptions,
  startRenderPool,
} from "./pool.ts";
export { prepareNativeWebGpu, type VulkanDriver, vulkanDrivers } from "./vulkan.ts";
export { renderRequest, type RenderRequestOptions } from "./render.ts";
