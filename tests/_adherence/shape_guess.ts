/**
 * `shape_guess` of the toy-shapes scoring rules (its README, "Scoring"): which kind a boolean
 * mask looks like, from its bounding box of well-filled rows and columns. Test-only.
 *
 * @module
 */

import type { Kind } from "./caption.ts";

function kept(counts: number[]): number[] {
  const floor = Math.max(2, 0.15 * Math.max(...counts));
  return counts.flatMap((n, i) => n >= floor ? [i] : []);
}

/**
 * Guesses the kind of the shape in `mask` (`width × height`, row-major), or null (a wrong
 * answer) when the mask is too small or too thin.
 *
 * @example
 * ```ts ignore
 * shapeGuess(classes.map((c) => c === yellow ? 1 : 0), 64, 64); // "circle"
 * ```
 */
export function shapeGuess(mask: ArrayLike<number>, width: number, height: number): Kind | null {
  const rows = new Array<number>(height).fill(0);
  const cols = new Array<number>(width).fill(0);
  let total = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!mask[y * width + x]) continue;
      rows[y]!++;
      cols[x]!++;
      total++;
    }
  }
  if (total < 6) return null;
  const keptRows = kept(rows);
  const keptCols = kept(cols);
  if (keptRows.length < 3 || keptCols.length < 3) return null;
  const y0 = keptRows[0]!;
  const x0 = keptCols[0]!;
  const h = keptRows.at(-1)! - y0 + 1;
  const w = keptCols.at(-1)! - x0 + 1;
  const at = (y: number, x: number) => mask[(y0 + y) * width + x0 + x] ? 1 : 0;
  const mean = (ys: number, ye: number, xs: number, xe: number) => {
    let sum = 0;
    for (let y = ys; y < ye; y++) for (let x = xs; x < xe; x++) sum += at(y, x);
    return sum / ((ye - ys) * (xe - xs));
  };
  const centre = mean(
    Math.floor(h * 0.35),
    Math.ceil(h * 0.65),
    Math.floor(w * 0.35),
    Math.ceil(w * 0.65),
  );
  if (centre < 0.35) return "ring";
  const rowSum = (y: number) => {
    let sum = 0;
    for (let x = 0; x < w; x++) sum += at(y, x);
    return sum;
  };
  const top = rowSum(Math.floor(h * 0.25));
  const bottom = rowSum(Math.min(Math.floor(h * 0.75), h - 1));
  if (top < 0.7 * bottom) return "triangle";
  return mean(0, h, 0, w) > 0.88 ? "square" : "circle";
}
