/**
 * A job request as stored in Redis: the parameters as JSON, and the init image and mask (raw
 * pixels, up to megabytes) as separate binary fields of the job hash that the JSON refers to by
 * name. The work stream entry carries only the job id, so no image ever travels through a stream,
 * and reading a job's request (or its status) never parses pixels as JSON.
 *
 * @module
 */

import type { PixelImage } from "../../shared/image/mod.ts";
import type { JobRequest } from "./types.ts";

/** The image fields of a request. */
const IMAGE_FIELDS = ["initImage", "mask"] as const;

/** What stands in the JSON for an image: the hash field holding its pixels and its shape. */
interface ImageRef {
  $pixels: string;
  width: number;
  height: number;
  channels: PixelImage["channels"];
}

/** The hash field of a request image. */
export function inputField(name: (typeof IMAGE_FIELDS)[number]): string {
  return `input:${name}`;
}

/**
 * Splits `request` into its JSON (images replaced by references) and the binary fields to store
 * beside it.
 *
 * @example
 * ```ts ignore
 * const { json, fields } = encodeRequest(request);
 * await redis.hset(jobKey, "request", json, ...Object.entries(fields).flat());
 * ```
 */
export function encodeRequest(
  request: JobRequest,
): { json: string; fields: Record<string, Uint8Array> } {
  const fields: Record<string, Uint8Array> = {};
  const plain: Record<string, unknown> = { ...request };
  for (const name of IMAGE_FIELDS) {
    const image = request[name];
    if (image === undefined) continue;
    const field = inputField(name);
    fields[field] = image.data instanceof Uint8Array ? image.data : new Uint8Array(image.data);
    const ref: ImageRef = {
      $pixels: field,
      width: image.width,
      height: image.height,
      channels: image.channels,
    };
    plain[name] = ref;
  }
  return { json: JSON.stringify(plain), fields };
}

/**
 * The request of `json`, its image references resolved through `read` (a job hash's binary
 * fields).
 *
 * @throws {TypeError} when a referenced field is missing or has the wrong size.
 */
export function decodeRequest(
  json: string,
  read: (field: string) => Uint8Array | undefined,
): JobRequest {
  const request = JSON.parse(json) as Record<string, unknown>;
  for (const name of IMAGE_FIELDS) {
    const ref = request[name] as ImageRef | undefined;
    if (ref === undefined) continue;
    const data = read(ref.$pixels);
    if (data === undefined || data.length !== ref.width * ref.height * ref.channels) {
      throw new TypeError(`Cannot read the job's '${name}': its pixels are missing`);
    }
    const image: PixelImage = {
      data,
      width: ref.width,
      height: ref.height,
      channels: ref.channels,
    };
    request[name] = image;
  }
  return request as unknown as JobRequest;
}
