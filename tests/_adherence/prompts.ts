/**
 * The fixed prompts of the adherence runs: the first 32 of the 128 random captions the
 * toy-shapes training run scored for its reference rates (its `samples.txt`, drawn from the
 * caption grammar with the training distribution: one or two shapes, sizes, positions, a
 * background phrase 90 % of the time). Test-only.
 *
 * @module
 */

/** 32 captions of the trained model's grammar. */
export const ADHERENCE_PROMPTS: readonly string[] = [
  "a yellow square in the bottom left on a cyan background",
  "an orange ring at the top and a purple square on the left on a yellow background",
  "a large green ring",
  "a pink square on a purple background",
  "a large yellow ring on a black background",
  "a blue square in the top left on a yellow background",
  "a yellow circle on a white background",
  "a purple circle",
  "an orange triangle on a green background",
  "a cyan triangle on a blue background",
  "a large red circle on a yellow background",
  "a large pink square on a green background",
  "a large green circle on a pink background",
  "a small gray square in the bottom right on a cyan background",
  "a black square in the top left and a small purple square in the center on a blue background",
  "a small green ring on the right",
  "a gray circle in the top left and a purple square at the bottom on a pink background",
  "a small blue triangle on a red background",
  "a white triangle and a gray square on a purple background",
  "a pink square and a cyan triangle on a red background",
  "a green square in the bottom right on a purple background",
  "a small white square in the bottom left and a black square in the bottom right on a cyan background",
  "a green square at the bottom and a purple ring in the center on a cyan background",
  "a red triangle in the bottom right on a cyan background",
  "a gray triangle in the bottom left and an orange circle in the center on a cyan background",
  "a small red circle and an orange triangle on a pink background",
  "a green square",
  "a yellow ring on the left and a white square at the top on a black background",
  "a gray square on an orange background",
  "a grey square on a green background",
  "a black triangle at the bottom on an orange background",
  "an orange circle and a cyan ring on a yellow background",
];

/** The seeds of the full run: every prompt with each. */
export const ADHERENCE_SEEDS: readonly number[] = [0, 1];

/**
 * The reference rates of the same model on 128 random captions (PNDM, 25 steps, guidance 7.5,
 * CPU float32, 8-bit pictures), scored with these rules: its README, "What it can and cannot
 * do" and "Scoring" (colour 53.9 % with these rules; 45.3 % with the scene's real background).
 */
export const REFERENCE_RATES = {
  background: 0.982,
  colour: 0.539,
  shape: 0.494,
  position: 0.051,
  size: 0.886,
} as const;

/** Two prompts the model draws right for any seed tried, for the quick checks of every path. */
export const QUICK_PROMPTS: readonly string[] = [
  "a red circle on a blue background",
  "a white triangle on a red background",
];
