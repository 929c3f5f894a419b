/**
 * Prompt adherence of the toy-shapes model, measured from output pixels with the scoring rules
 * of its README: caption parsing, palette classification, per-picture scores, rate tallies and
 * the fixed prompt set. Test-only (tests and `deno task bench`).
 *
 * @module
 */

export {
  type Caption,
  CaptionError,
  type CaptionShape,
  type Kind,
  parseCaption,
} from "./caption.ts";
export {
  type Classified,
  classify,
  type Colour,
  colourIndex,
  PALETTE,
  POSITIONS,
} from "./palette.ts";
export { ADHERENCE_PROMPTS, ADHERENCE_SEEDS, QUICK_PROMPTS, REFERENCE_RATES } from "./prompts.ts";
export {
  AdherenceTally,
  type Attribute,
  type AttributeRate,
  ATTRIBUTES,
  formatRates,
  type Picture,
  type PictureScore,
  scorePicture,
} from "./score.ts";
export { shapeGuess } from "./shape_guess.ts";
export {
  type AdherenceRun,
  type AdherenceRunOptions,
  runAdherence,
  type ScoredPicture,
} from "./run.ts";
export { pngPicture } from "./png.ts";
export {
  redoReferenceSamples,
  type ReferenceComparison,
  referenceRows,
  type RowCounts,
} from "./reference_samples.ts";
