/**
 * The toy-shapes model's palette and position cells (its README, "Vocabulary"), and the
 * nearest-palette classification of pixels its scoring rules start from. Test-only.
 *
 * @module
 */

/** A palette colour name; `grey` is spelled `gray` here. */
export type Colour =
  | "red"
  | "green"
  | "blue"
  | "yellow"
  | "purple"
  | "orange"
  | "white"
  | "black"
  | "gray"
  | "pink"
  | "cyan";

/** The 11 colours in the README's table order (which breaks ties), with their RGB. */
export const PALETTE: readonly { name: Colour; rgb: readonly [number, number, number] }[] = [
  { name: "red", rgb: [220, 30, 30] },
  { name: "green", rgb: [30, 170, 50] },
  { name: "blue", rgb: [30, 70, 220] },
  { name: "yellow", rgb: [245, 220, 30] },
  { name: "purple", rgb: [130, 40, 180] },
  { name: "orange", rgb: [250, 135, 20] },
  { name: "white", rgb: [245, 245, 245] },
  { name: "black", rgb: [15, 15, 15] },
  { name: "gray", rgb: [128, 128, 128] },
  { name: "pink", rgb: [250, 140, 190] },
  { name: "cyan", rgb: [40, 210, 220] },
];

/** The 9 position phrases with their cell centres (x, y fractions, y down), in table order. */
export const POSITIONS: readonly { phrase: string; x: number; y: number }[] = [
  { phrase: "in the top left", x: 0.27, y: 0.27 },
  { phrase: "at the top", x: 0.5, y: 0.27 },
  { phrase: "in the top right", x: 0.73, y: 0.27 },
  { phrase: "on the left", x: 0.27, y: 0.5 },
  { phrase: "in the center", x: 0.5, y: 0.5 },
  { phrase: "on the right", x: 0.73, y: 0.5 },
  { phrase: "in the bottom left", x: 0.27, y: 0.73 },
  { phrase: "at the bottom", x: 0.5, y: 0.73 },
  { phrase: "in the bottom right", x: 0.73, y: 0.73 },
];

/** Index of a colour in {@linkcode PALETTE}. */
export function colourIndex(name: Colour): number {
  return PALETTE.findIndex((c) => c.name === name);
}

/** A picture classified pixel by pixel. */
export interface Classified {
  width: number;
  height: number;
  /** Palette index per pixel, row-major. */
  classes: Uint8Array;
  /** Pixels per palette colour divided by width × height. */
  fraction: number[];
}

/**
 * Classifies every pixel of an RGBA picture (0–255) as the nearest palette colour by squared
 * Euclidean distance in integers; a tie goes to the earlier colour.
 *
 * @example
 * ```ts ignore
 * const { fraction } = classify(image.rgba, 64, 64);
 * fraction[colourIndex("blue")]; // share of blue pixels
 * ```
 */
export function classify(rgba: ArrayLike<number>, width: number, height: number): Classified {
  const pixels = width * height;
  if (rgba.length !== pixels * 4) {
    throw new RangeError(`Cannot classify: ${rgba.length} values for ${width}×${height} RGBA`);
  }
  const classes = new Uint8Array(pixels);
  const counts = new Array<number>(PALETTE.length).fill(0);
  for (let p = 0; p < pixels; p++) {
    let best = 0;
    let bestDistance = Infinity;
    for (const [i, { rgb }] of PALETTE.entries()) {
      const dr = rgba[p * 4]! - rgb[0];
      const dg = rgba[p * 4 + 1]! - rgb[1];
      const db = rgba[p * 4 + 2]! - rgb[2];
      const distance = dr * dr + dg * dg + db * db;
      if (distance < bestDistance) {
        best = i;
        bestDistance = distance;
      }
    }
    classes[p] = best;
    counts[best]!++;
  }
  return { width, height, classes, fraction: counts.map((n) => n / pixels) };
}
