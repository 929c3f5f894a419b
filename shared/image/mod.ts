/**
 * Images: VAE output to RGBA, PNG encoding, AUTOMATIC1111-style generation parameters, init
 * images and masks as pipeline tensors, and resizing. Decoding uploads (`decode_image.ts`,
 * `init_images.ts`) is imported from its own files: it pulls in the PNG and JPEG decoders, which
 * the browser bundles must not carry.
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
export { adjustMask, type AdjustMaskOptions } from "./mask_blur.ts";
export { fitImage, RESIZE_MODES, resizeImage, type ResizeMode } from "./resize.ts";
export { encodePng, type EncodePngOptions, readPngParameters } from "./png.ts";
