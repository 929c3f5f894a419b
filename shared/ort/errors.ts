/**
 * The one error a backend search throws: no device in the preference list could run here. Callers
 * catch it to fall back (the browser to the render worker, the CLI to a clear message).
 *
 * @module
 */

import type { BackendAttempt } from "./types.ts";

/**
 * Thrown by {@linkcode createBackend} when none of the requested devices works. `attempts` lists
 * every device tried, in order, with its reason.
 *
 * @example Falling back when no device works
 * ```ts
 * import { BackendUnavailableError, createBackend } from "./mod.ts";
 *
 * try {
 *   await createBackend({ devices: ["webgpu"] });
 * } catch (error) {
 *   if (!(error instanceof BackendUnavailableError)) throw error;
 *   console.log(error.attempts.map((a) => `${a.device}: ${a.reason}`));
 * }
 * ```
 */
export class BackendUnavailableError extends Error {
  /** Every device tried, in preference order, with the reason it failed. */
  readonly attempts: readonly BackendAttempt[];

  constructor(attempts: readonly BackendAttempt[]) {
    const list = attempts.map((a) => `${a.device} (${a.runtime}): ${a.reason}`).join("; ");
    super(`Cannot create a backend as no requested device works: ${list || "none requested"}`);
    this.name = "BackendUnavailableError";
    this.attempts = Object.freeze([...attempts]);
  }
}
