/**
 * Images: VAE output to RGBA, PNG encoding, and AUTOMATIC1111-style generation parameters.
 *
 * @module
 */

export { toRgba, type ToRgbaOptions } from "./to_rgba.ts";
export {
  formatParameters,
  type GenerationInfo,
  type ParsedParameters,
  parseParameters,
} from "./parameters.ts";
export { encodePng, type EncodePngOptions, readPngParameters } from "./png.ts";
