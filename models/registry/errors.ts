/**
 * Errors of the model registry that callers are expected to catch (the HTTP layer maps
 * {@linkcode ModelNotFoundError} to 404).
 *
 * @module
 */

/** No model with this id is available locally (and it was not to be downloaded). */
export class ModelNotFoundError extends Error {
  /** The id that was asked for. */
  readonly id: string;
  constructor(id: string, message: string) {
    super(message);
    this.name = "ModelNotFoundError";
    this.id = id;
  }
}

/** A cached model's files do not match its manifest. */
export class ModelIntegrityError extends Error {
  /** The id of the damaged model. */
  readonly id: string;
  constructor(id: string, message: string) {
    super(message);
    this.name = "ModelIntegrityError";
    this.id = id;
  }
}
