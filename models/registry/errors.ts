/**
 * Errors of the model registry that callers are expected to catch (the HTTP layer maps
 * {@linkcode ModelNotFoundError} to 404).
 *
 * @module
 */

/** An error about one model, which carries the model's id. */
class ModelError extends Error {
  /** The id of the model the error is about. */
  readonly id: string;
  constructor(id: string, message: string) {
    super(message);
    this.id = id;
  }
}

/** No model with this id is available locally (and it was not to be downloaded). */
export class ModelNotFoundError extends ModelError {
  override readonly name = "ModelNotFoundError";
}

/** A cached model's files do not match its manifest. */
export class ModelIntegrityError extends ModelError {
  override readonly name = "ModelIntegrityError";
}
