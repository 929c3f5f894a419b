/**
 * Draws toy-shapes training-style pictures from the shape rules of the model's README
 * ("Shapes", "Sizes", "Positions"): shapes of half-size R with 1-pixel anti-aliasing, colours
 * jittered by up to ±0.03 per channel, and random scenes with their captions drawn like the
 * training data. Ground truth for the scorer's own tests. Test-only.
 *
 * @module
 */

import type { Kind } from "./caption.ts";
import { type Colour, PALETTE, POSITIONS } from "./palette.ts";

/** One shape to draw; `x`, `y` and `r` are fractions of the picture width. */
export interface SceneShape {
  kind: Kind;
  rgb: readonly [number, number, number];
  x: number;
  y: number;
  r: number;
}

/** Signed distance (pixels, negative inside) of a pixel offset (dx, dy) from a shape's edge. */
function signedDistance(kind: Kind, dx: number, dy: number, R: number): number {
  const d = Math.hypot(dx, dy);
  switch (kind) {
    case "circle":
      return d - R;
    case "square":
      return Math.max(Math.abs(dx), Math.abs(dy)) - 0.9 * R;
    case "ring":
      return Math.abs(d - 0.78 * R) - 0.22 * R;
    case "triangle": {
      // Height 1.8 R, bounding box centred: inradius 0.6 R, centroid 0.3 R below the centre.
      const inradius = 0.6 * R;
      const y = dy - 0.3 * R;
      const s = Math.sqrt(3) / 2;
      return Math.max(y, s * dx - 0.5 * y, -s * dx - 0.5 * y) - inradius;
    }
  }
}

/**
 * Renders `shapes` over `background` (RGB 0–255) as a `size × size` RGBA picture.
 *
 * @example
 * ```ts ignore
 * const rgba = drawScene([220, 30, 30], [{ kind: "circle", rgb: [30, 70, 220], x: .5, y: .5, r: .2 }]);
 * ```
 */
export function drawScene(
  background: readonly [number, number, number],
  shapes: readonly SceneShape[],
  size = 64,
): Uint8ClampedArray {
  const rgba = new Uint8ClampedArray(size * size * 4);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let colour = [...background];
      for (const shape of shapes) {
        const dx = px + 0.5 - shape.x * size;
        const dy = py + 0.5 - shape.y * size;
        const sd = signedDistance(shape.kind, dx, dy, shape.r * size);
        const alpha = Math.min(1, Math.max(0, 0.5 - sd));
        colour = colour.map((c, i) => c * (1 - alpha) + shape.rgb[i]! * alpha);
      }
      const p = (py * size + px) * 4;
      for (let i = 0; i < 3; i++) rgba[p + i] = Math.round(colour[i]!);
      rgba[p + 3] = 255;
    }
  }
  return rgba;
}

/** A seeded uniform [0, 1) generator (mulberry32). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KINDS: readonly Kind[] = ["circle", "square", "triangle", "ring"];
const KIND_P = [0.3, 0.3, 0.25, 0.15];
const RADII = {
  one: { none: [0.12, 0.19], small: [0.07, 0.1], large: [0.21, 0.27] },
  two: { none: [0.1, 0.13], small: [0.07, 0.09], large: [0.1, 0.13] },
} as const;

/** A random scene drawn like the training data, its caption, and its picture. */
export interface RandomScene {
  caption: string;
  rgba: Uint8ClampedArray;
}

function article(next: string): string {
  return next === "orange" ? "an" : "a";
}

/**
 * A random training-style scene: 65 % one shape, 35 % two of different colours on different
 * cells; sizes, positions, an omitted background 10 % of the time, `grey` half the time.
 */
export function randomScene(random: () => number): RandomScene {
  const two = random() < 0.35;
  const colours: number[] = [];
  while (colours.length < (two ? 3 : 2)) {
    const c = Math.floor(random() * PALETTE.length);
    if (!colours.includes(c)) colours.push(c);
  }
  const word = (c: number) => {
    const name: Colour = PALETTE[c]!.name;
    return name === "gray" && random() < 0.5 ? "grey" : name;
  };
  const jitter = (c: number) =>
    PALETTE[c]!.rgb.map((v) =>
      Math.min(255, Math.max(0, v + (random() - 0.5) * 0.06 * 255))
    ) as unknown as [number, number, number];
  const named = two ? random() < 0.5 : random() < 0.4;
  const cell = Math.floor(random() * 9);
  const cells = [cell, (cell + 1 + Math.floor(random() * 8)) % 9];
  const shapes: SceneShape[] = [];
  const phrases: string[] = [];
  for (let k = 0; k < (two ? 2 : 1); k++) {
    const u = random();
    const size = u < 0.2 ? "small" : u < 0.4 && !two ? "large" : "none";
    const [lo, hi] = RADII[two ? "two" : "one"][size];
    let v = random();
    const kind = KINDS[KIND_P.findIndex((p) => (v -= p) < 0)] ?? "ring";
    const free = !two && !named;
    const centre = POSITIONS[cells[k]!]!;
    const x = free ? 0.3 + 0.4 * random() : centre.x + (random() - 0.5) * 0.08;
    const y = free ? 0.3 + 0.4 * random() : centre.y + (random() - 0.5) * 0.08;
    shapes.push({ kind, rgb: jitter(colours[k + 1]!), x, y, r: lo + (hi - lo) * random() });
    const colour = word(colours[k + 1]!);
    const words = [...(size === "none" ? [] : [size]), colour, kind];
    if (named) words.push(centre.phrase);
    phrases.push(`${article(words[0]!)} ${words.join(" ")}`);
  }
  const withBackground = random() >= 0.1;
  const bg = word(colours[0]!);
  const caption = phrases.join(" and ") +
    (withBackground ? ` on ${article(bg)} ${bg} background` : "");
  return { caption, rgba: drawScene(jitter(colours[0]!), shapes) };
}
