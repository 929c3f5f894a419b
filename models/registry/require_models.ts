/**
 * Start-up check of the models a process is configured to serve: each one is loaded (embedded
 * models are built, cached ones have their files checked against the manifest) before the process
 * accepts work, so a wrong `SD_MODELS` entry stops it with the registry's explanation instead of
 * failing every request later.
 *
 * @module
 */
import { ModelIntegrityError, ModelNotFoundError } from "./errors.ts";

/** One or more configured models cannot be served; the message names each and why. */
export class ModelSetupError extends Error {
  /** The ids that failed. */
  readonly ids: readonly string[];
  constructor(ids: readonly string[], message: string) {
    super(message);
    this.name = "ModelSetupError";
    this.ids = ids;
  }
}

/**
 * Loads every id with `load`; throws one {@linkcode ModelSetupError} listing all that are missing
 * or damaged. Other errors (a full disk, a bug) propagate unchanged.
 *
 * @example Usage
 * ```ts
 * import { loadModel } from "./load_model.ts";
 * import { requireModels } from "./require_models.ts";
 *
 * await requireModels(["tiny-sd"], (id) => loadModel(id));
 * ```
 */
export async function requireModels(
  ids: readonly string[],
  load: (id: string) => Promise<unknown>,
): Promise<void> {
  const failed: string[] = [];
  const reasons: string[] = [];
  for (const id of ids) {
    try {
      await load(id);
    } catch (error) {
      if (!(error instanceof ModelNotFoundError || error instanceof ModelIntegrityError)) {
        throw error;
      }
      failed.push(id);
      reasons.push(error.message);
    }
  }
  if (failed.length > 0) {
    throw new ModelSetupError(failed, reasons.join("\n"));
  }
}
