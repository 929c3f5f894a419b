/**
 * Does a picture show its caption? The toy-shapes scoring rules (its README, "Scoring"), from
 * the output pixels only: background, shape colour(s), shape kind, position(s) and size, and a
 * tally of the rate per attribute over many pictures. Test-only, shared by tests and the bench.
 *
 * @module
 */

import { type Caption, parseCaption } from "./caption.ts";
import { classify, colourIndex, PALETTE, POSITIONS } from "./palette.ts";
import { shapeGuess } from "./shape_guess.ts";

/** The scored attributes. */
export const ATTRIBUTES = ["background", "colour", "shape", "position", "size"] as const;

/** One of {@linkcode ATTRIBUTES}. */
export type Attribute = typeof ATTRIBUTES[number];

/** What one picture gets right; null (or no entry for positions) where a rule does not apply. */
export interface PictureScore {
  background: boolean | null;
  colour: boolean;
  shape: boolean | null;
  /** One entry per shape with a position phrase. */
  position: boolean[];
  size: boolean | null;
}

/** An RGBA picture, 0–255. */
export interface Picture {
  rgba: ArrayLike<number>;
  width: number;
  height: number;
}

function argmax(values: readonly number[], among: readonly number[]): number {
  let best = among[0]!;
  for (const i of among) if (values[i]! > values[best]!) best = i;
  return best;
}

/**
 * Scores `picture` against `caption` (text or parsed).
 *
 * @example
 * ```ts ignore
 * const score = scorePicture("a red circle on a blue background", image);
 * score.background; // true when blue is the most frequent palette colour
 * ```
 */
export function scorePicture(caption: string | Caption, picture: Picture): PictureScore {
  const parsed = typeof caption === "string" ? parseCaption(caption) : caption;
  const { width, height } = picture;
  const { classes, fraction } = classify(picture.rgba, width, height);
  const all = PALETTE.map((_, i) => i);
  const named = parsed.shapes.map((s) => colourIndex(s.colour));
  const background = parsed.background === null
    ? argmax(fraction, all.filter((c) => !named.includes(c)))
    : colourIndex(parsed.background);
  const others = all.filter((c) => c !== background && !named.includes(c));
  const other = Math.max(...others.map((c) => fraction[c]!));
  const position: boolean[] = [];
  for (const [k, shape] of parsed.shapes.entries()) {
    if (shape.position === null) continue;
    let count = 0;
    let sumX = 0;
    let sumY = 0;
    for (let p = 0; p < classes.length; p++) {
      if (classes[p] !== named[k]) continue;
      count++;
      sumX += p % width;
      sumY += Math.floor(p / width);
    }
    if (count < 6) {
      position.push(false);
      continue;
    }
    const cx = sumX / count / width;
    const cy = sumY / count / height;
    const distances = POSITIONS.map(({ x, y }) => (x - cx) ** 2 + (y - cy) ** 2);
    position.push(argmin(distances) === shape.position);
  }
  const single = parsed.shapes.length === 1 ? parsed.shapes[0]! : null;
  const area = fraction[named[0]!]!;
  return {
    background: parsed.background === null ? null : argmax(fraction, all) === background,
    colour: named.every((c) => fraction[c]! >= 0.004 && fraction[c]! >= other),
    shape: single === null
      ? null
      : shapeGuess(classes.map((c) => c === named[0] ? 1 : 0), width, height) === single.kind,
    position,
    size: single?.size === "small" ? area < 0.04 : single?.size === "large" ? area > 0.075 : null,
  };
}

function argmin(values: readonly number[]): number {
  let best = 0;
  for (const [i, v] of values.entries()) if (v < values[best]!) best = i;
  return best;
}

/** Correct and scored counts of one attribute, and their ratio (null when none scored). */
export interface AttributeRate {
  correct: number;
  scored: number;
  rate: number | null;
}

/**
 * Accumulates picture scores into a rate per attribute.
 *
 * @example
 * ```ts ignore
 * const tally = new AdherenceTally();
 * tally.add(scorePicture(prompt, image));
 * tally.rates().background.rate; // e.g. 0.97
 * ```
 */
export class AdherenceTally {
  #counts = Object.fromEntries(ATTRIBUTES.map((a) => [a, { correct: 0, scored: 0 }])) as Record<
    Attribute,
    { correct: number; scored: number }
  >;

  /** Adds one picture's score. */
  add(score: PictureScore): void {
    for (const attribute of ATTRIBUTES) {
      const value = score[attribute];
      for (const result of Array.isArray(value) ? value : value === null ? [] : [value]) {
        this.#counts[attribute].scored++;
        if (result) this.#counts[attribute].correct++;
      }
    }
  }

  /** The rate per attribute so far. */
  rates(): Record<Attribute, AttributeRate> {
    return Object.fromEntries(ATTRIBUTES.map((a) => {
      const { correct, scored } = this.#counts[a];
      return [a, { correct, scored, rate: scored === 0 ? null : correct / scored }];
    })) as Record<Attribute, AttributeRate>;
  }
}

/** `background 31/32 (97%), colour …`: a tally in one line. */
export function formatRates(rates: Record<Attribute, AttributeRate>): string {
  return ATTRIBUTES.map((a) => {
    const { correct, scored, rate } = rates[a];
    return rate === null ? `${a} —` : `${a} ${correct}/${scored} (${(rate * 100).toFixed(1)}%)`;
  }).join(", ");
}
