/**
 * The error of a generation request that cannot run: it names the `GenerationParams` field, so
 * each surface can report it in its own words (an API `param`, a CLI flag, an SDK field).
 *
 * @module
 */

import type { GenerationParams } from "./params.ts";

/** A field of {@linkcode GenerationParams}. */
export type GenerationField = keyof GenerationParams;

/**
 * A generation parameter out of range or of the wrong type.
 *
 * @example Reporting it as an API error
 * ```ts
 * import { GenerationError } from "./error.ts";
 * const error = new GenerationError("steps", "must be an integer in [1, 150]", 500);
 * console.log(error.field, error.message);
 * // steps Cannot generate as 'steps' must be an integer in [1, 150]: current value is 500
 * ```
 */
export class GenerationError extends RangeError {
  /** The field at fault. */
  readonly field: GenerationField;
  /** What the field must be, e.g. `must be an integer in [1, 150]`. */
  readonly expectation: string;
  /** The value received. */
  readonly value: unknown;

  constructor(field: GenerationField, expectation: string, value: unknown) {
    super(`Cannot generate as '${field}' ${expectation}: current value is ${show(value)}`);
    this.name = "GenerationError";
    this.field = field;
    this.expectation = expectation;
    this.value = value;
  }
}

function show(value: unknown): string {
  if (typeof value === "bigint") return value.toString();
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
