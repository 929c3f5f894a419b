/**
 * Parses a toy-shapes caption with the model's grammar (its README, "Caption grammar"):
 * `shape [" and " shape] [" on " article " " colour " background"]`, each shape
 * `article " " [size " "] colour " " kind [" " position]`, the article `an` before `orange`.
 * Test-only.
 *
 * @module
 */

import { type Colour, PALETTE, POSITIONS } from "./palette.ts";

/** A shape kind. */
export type Kind = "circle" | "square" | "triangle" | "ring";

/** One shape of a caption. */
export interface CaptionShape {
  size: "small" | "large" | null;
  colour: Colour;
  kind: Kind;
  /** Index into `POSITIONS`, or null when the caption names none. */
  position: number | null;
}

/** A parsed caption. */
export interface Caption {
  shapes: CaptionShape[];
  background: Colour | null;
}

const KINDS: readonly Kind[] = ["circle", "square", "triangle", "ring"];

/** Thrown for text outside the grammar. */
export class CaptionError extends TypeError {
  override name = "CaptionError";
}

class Words {
  #words: string[];
  #at = 0;
  constructor(public readonly text: string) {
    this.#words = text.split(" ");
  }
  peek(offset = 0): string | undefined {
    return this.#words[this.#at + offset];
  }
  take(): string {
    const word = this.#words[this.#at++];
    if (word === undefined) this.fail("it ends too early");
    return word;
  }
  expect(word: string): void {
    const got = this.take();
    if (got !== word) this.fail(`expected '${word}', got '${got}'`);
  }
  done(): boolean {
    return this.#at >= this.#words.length;
  }
  fail(why: string): never {
    throw new CaptionError(`Cannot parse caption '${this.text}': ${why}`);
  }
}

function colour(words: Words): Colour {
  const word = words.take();
  const name = word === "grey" ? "gray" : word;
  if (!PALETTE.some((c) => c.name === name)) words.fail(`'${word}' is not a colour`);
  return name as Colour;
}

function article(words: Words): void {
  words.expect(words.peek(1) === "orange" ? "an" : "a");
}

function shape(words: Words): CaptionShape {
  article(words);
  const next = words.peek();
  const size = next === "small" || next === "large" ? (words.take(), next) : null;
  const shapeColour = colour(words);
  const kind = words.take();
  if (!KINDS.includes(kind as Kind)) words.fail(`'${kind}' is not a shape`);
  let position: number | null = null;
  for (const [i, { phrase }] of POSITIONS.entries()) {
    const parts = phrase.split(" ");
    if (parts.every((part, k) => words.peek(k) === part)) {
      for (const _ of parts) words.take();
      position = i;
      break;
    }
  }
  return { size, colour: shapeColour, kind: kind as Kind, position };
}

/**
 * Parses `text` into one or two shapes and an optional background colour.
 *
 * @example
 * ```ts ignore
 * parseCaption("a small yellow square in the top left on a black background");
 * // { shapes: [{ size: "small", colour: "yellow", kind: "square", position: 0 }],
 * //   background: "black" }
 * ```
 */
export function parseCaption(text: string): Caption {
  const words = new Words(text);
  const shapes = [shape(words)];
  if (words.peek() === "and") {
    words.take();
    shapes.push(shape(words));
  }
  let background: Colour | null = null;
  if (!words.done()) {
    words.expect("on");
    article(words);
    background = colour(words);
    words.expect("background");
  }
  if (!words.done()) words.fail(`unexpected '${words.peek()}'`);
  return { shapes, background };
}
