/**
 * Hand-written typed validators for request bodies: every failure is a 4xx `ApiError` naming the
 * field (`param`), the expectation and the value received.
 *
 * @module
 */
import type { Context } from "hono";
import { ApiError } from "../middleware/errors.ts";
import { parseSeed, SEED_RANGE } from "../../shared/generation/mod.ts";

/** A parsed JSON object body. */
export type JsonObject = Record<string, unknown>;

/**
 * Reads the body as a JSON object: 415 for another content type, 400 for invalid JSON or a
 * non-object.
 */
export async function readJsonObject(c: Context): Promise<JsonObject> {
  const type = c.req.header("Content-Type") ?? "";
  if (!/^application\/([\w.+-]+\+)?json\s*(;|$)/i.test(type)) {
    throw new ApiError(
      415,
      "unsupported_media_type",
      `Send the request body as JSON with 'Content-Type: application/json': current value is ` +
        `'${type.slice(0, 100)}'`,
    );
  }
  const text = await c.req.text();
  let value: unknown;
  try {
    value = JSON.parse(text, exactIntegers);
  } catch (error) {
    throw new ApiError(
      400,
      "invalid_json",
      `The request body is not valid JSON: ${
        error instanceof Error ? error.message : String(error)
      }`,
    );
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ApiError(400, "invalid_json", "The request body must be a JSON object");
  }
  return value as JsonObject;
}

/**
 * `JSON.parse` reviver keeping integer literals beyond 2^53 exact, as bigints (through the
 * reviver's `context.source`, ES2025): an A1111 client's `"seed": 18446744073709551615` arrives
 * digit for digit instead of rounded to 18446744073709552000.
 */
function exactIntegers(_key: string, value: unknown, context?: { source?: string }): unknown {
  if (typeof value !== "number" || Number.isSafeInteger(value)) return value;
  const source = context?.source;
  return source !== undefined && /^-?\d+$/.test(source) ? BigInt(source) : value;
}

/** 400 for `param`: `Invalid 'param': <expectation>: current value is <value>`. */
export function invalid(param: string, expectation: string, value: unknown): ApiError {
  return new ApiError(
    400,
    "invalid_value",
    `Invalid '${param}': ${expectation}: current value is ${describe(value)}`,
    { param },
  );
}

function describe(value: unknown): string {
  const text = typeof value === "bigint" ? String(value) : JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Options of {@linkcode optionalString}. */
export interface StringOptions {
  /** Longest accepted length in characters. */
  maxLength: number;
  /** Reject empty strings. @default false */
  nonEmpty?: boolean;
}

/** A string field that is required. */
export function requiredString(body: JsonObject, name: string, options: StringOptions): string {
  if (body[name] === undefined || body[name] === null) {
    throw new ApiError(400, "missing_field", `Missing required field '${name}'`, { param: name });
  }
  return optionalString(body, name, options)!;
}

/** A string field; `undefined` when absent or null. */
export function optionalString(
  body: JsonObject,
  name: string,
  options: StringOptions,
): string | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw invalid(name, "must be a string", value);
  if (options.nonEmpty && value.trim() === "") throw invalid(name, "must not be empty", value);
  if (value.length > options.maxLength) {
    throw new ApiError(
      400,
      "string_too_long",
      `Invalid '${name}': must be at most ${options.maxLength} characters: current length is ` +
        `${value.length}`,
      { param: name },
    );
  }
  return value;
}

/**
 * Options of {@linkcode optionalInteger} / {@linkcode optionalNumber}. Generation fields leave the
 * range out: `resolveGeneration` checks those once for every surface.
 */
export interface RangeOptions {
  /** @default {-Infinity} */
  min?: number;
  /** @default {Infinity} */
  max?: number;
}

/** An integer field in `[min, max]`; `undefined` when absent or null. */
export function optionalInteger(
  body: JsonObject,
  name: string,
  options: RangeOptions = {},
): number | undefined {
  return optionalNumeric(body, name, options, "an integer", Number.isInteger);
}

/** A finite number field in `[min, max]`; `undefined` when absent or null. */
export function optionalNumber(
  body: JsonObject,
  name: string,
  options: RangeOptions = {},
): number | undefined {
  return optionalNumeric(body, name, options, "a number", Number.isFinite);
}

function optionalNumeric(
  body: JsonObject,
  name: string,
  { min = -Infinity, max = Infinity }: RangeOptions,
  kind: string,
  accepts: (value: number) => boolean,
): number | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !accepts(value)) throw invalid(name, `must be ${kind}`, value);
  if (value < min || value > max) throw invalid(name, `must be in [${min}, ${max}]`, value);
  return value;
}

/** A string field restricted to `choices`; `undefined` when absent or null. */
export function optionalChoice<T extends string>(
  body: JsonObject,
  name: string,
  choices: readonly T[],
): T | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string" || !(choices as readonly string[]).includes(value)) {
    throw invalid(name, `must be one of ${choices.map((c) => `'${c}'`).join(", ")}`, value);
  }
  return value as T;
}

/**
 * A seed as its decimal string (the shared `parseSeed`): a JSON number (exact at any size, see
 * `readJsonObject`) or a decimal string, up to 2^64 − 1; `allowRandom` also accepts -1 (A1111's "random"). `undefined`
 * when absent, null or -1.
 */
export function optionalSeed(
  body: JsonObject,
  name: string,
  options: { allowRandom?: boolean } = {},
): string | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (options.allowRandom && (value === -1 || value === "-1")) return undefined;
  if (typeof value !== "number" && typeof value !== "string" && typeof value !== "bigint") {
    throw invalid(name, `must be ${SEED_RANGE}`, value);
  }
  try {
    return parseSeed(value);
  } catch {
    const random = options.allowRandom ? "-1 (random) or " : "";
    throw invalid(name, `must be ${random}${SEED_RANGE}`, value);
  }
}
