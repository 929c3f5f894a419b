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
export { checkPixelImage, imageToTensor, maskToTensor, type PixelImage } from "./pixels.ts";
export {
  decodeImage,
  type DecodeImageOptions,
  ImageDecodeError,
  type ImageDecodeErrorCode,
} from "./decode_image.ts";
export {
  type InitImages,
  prepareInitImages,
  type PrepareInitImagesOptions,
} from "./init_images.ts";
export { fitImage, RESIZE_MODES, resizeImage, type ResizeMode } from "./resize.ts";
export { encodePng, type EncodePngOptions, readPngParameters } from "./png.ts";
