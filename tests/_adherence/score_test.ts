import assert from "node:assert/strict";
import { decode } from "fast-png";
import { toyShapesPath } from "../_fixtures.ts";
import { drawScene, randomScene, seededRandom } from "./draw_scene.ts";
import {
  AdherenceTally,
  CaptionError,
  colourIndex,
  PALETTE,
  parseCaption,
  POSITIONS,
  scorePicture,
  shapeGuess,
} from "./mod.ts";

const rgb = (name: Parameters<typeof colourIndex>[0]) => PALETTE[colourIndex(name)]!.rgb;
const picture = (rgba: Uint8ClampedArray) => ({ rgba, width: 64, height: 64 });

Deno.test("parseCaption() reads the toy-shapes grammar: sizes, positions, two shapes, grey, an", () => {
  assert.deepEqual(parseCaption("a small yellow square in the top left on a black background"), {
    shapes: [{ size: "small", colour: "yellow", kind: "square", position: 0 }],
    background: "black",
  });
  assert.deepEqual(
    parseCaption("a grey circle on the left and an orange ring at the bottom on a blue background"),
    {
      shapes: [
        { size: null, colour: "gray", kind: "circle", position: 3 },
        { size: null, colour: "orange", kind: "ring", position: 7 },
      ],
      background: "blue",
    },
  );
  assert.deepEqual(parseCaption("a large green ring"), {
    shapes: [{ size: "large", colour: "green", kind: "ring", position: null }],
    background: null,
  });
  assert.deepEqual(parseCaption("a red circle on an orange background").background, "orange");
  for (
    const bad of [
      "a red cat",
      "an red circle",
      "a orange circle",
      "a red circle on a blue",
      "a red circle on the moon",
      "a magenta circle",
      "a red circle and",
      "a photo of a cat",
    ]
  ) {
    assert.throws(() => parseCaption(bad), CaptionError, bad);
  }
});

Deno.test("shapeGuess() recognises each kind drawn by the README's shape rules", () => {
  for (const kind of ["circle", "square", "triangle", "ring"] as const) {
    for (const r of [0.12, 0.19, 0.25]) {
      const rgba = drawScene(rgb("black"), [{ kind, rgb: rgb("white"), x: 0.5, y: 0.5, r }]);
      const mask = Array.from({ length: 4096 }, (_, p) => rgba[p * 4]! > 128 ? 1 : 0);
      assert.equal(shapeGuess(mask, 64, 64), kind, `${kind} r=${r}`);
    }
  }
  assert.equal(shapeGuess(new Uint8Array(4096), 64, 64), null, "empty mask");
  const line = new Uint8Array(4096);
  for (let x = 10; x < 50; x++) line[32 * 64 + x] = 1;
  assert.equal(shapeGuess(line, 64, 64), null, "one row is too thin");
});

Deno.test("scorePicture() marks each attribute right or wrong from the pixels", () => {
  const circle = { kind: "circle", rgb: rgb("red"), x: 0.27, y: 0.27, r: 0.08 } as const;
  const image = picture(drawScene(rgb("blue"), [circle]));
  assert.deepEqual(scorePicture("a small red circle in the top left on a blue background", image), {
    background: true,
    colour: true,
    shape: true,
    position: [true],
    size: true,
  });
  assert.deepEqual(
    scorePicture("a large green square in the bottom right on a yellow background", image),
    { background: false, colour: false, shape: false, position: [false], size: false },
  );
  // The named colour is there but a stray colour covers more: the colour is wrong.
  const stray = { kind: "square", rgb: rgb("white"), x: 0.7, y: 0.7, r: 0.2 } as const;
  assert.equal(
    scorePicture("a red circle", picture(drawScene(rgb("blue"), [circle, stray]))).colour,
    false,
  );
  // Without a background phrase the most frequent non-shape colour is the background.
  assert.deepEqual(scorePicture("a red circle", image), {
    background: null,
    colour: true,
    shape: true,
    position: [],
    size: null,
  });
  // Two-shape captions score colours and positions only.
  const two = picture(drawScene(rgb("purple"), [
    { ...circle, rgb: rgb("green") },
    { kind: "ring", rgb: rgb("white"), x: 0.73, y: 0.73, r: 0.11 },
  ]));
  assert.deepEqual(
    scorePicture(
      "a green circle in the top left and a white ring in the bottom right on a purple background",
      two,
    ),
    { background: true, colour: true, shape: null, position: [true, true], size: null },
  );
  assert.deepEqual(
    scorePicture("a green circle at the top and a pink ring on a purple background", two).position,
    [false],
  );
});

Deno.test("scorePicture() gets every cell's position right and a neighbouring cell wrong", () => {
  for (const [i, cell] of POSITIONS.entries()) {
    const image = picture(drawScene(rgb("black"), [
      { kind: "circle", rgb: rgb("cyan"), x: cell.x, y: cell.y, r: 0.1 },
    ]));
    assert.deepEqual(scorePicture(`a cyan circle ${cell.phrase}`, image).position, [true]);
    const other = POSITIONS[(i + 1) % 9]!.phrase;
    assert.deepEqual(scorePicture(`a cyan circle ${other}`, image).position, [false]);
  }
});

Deno.test("scorePicture() scores training-style pictures ~100 % on every attribute, as the README says", () => {
  const random = seededRandom(13);
  const tally = new AdherenceTally();
  const misses: string[] = [];
  for (let i = 0; i < 400; i++) {
    const scene = randomScene(random);
    const score = scorePicture(scene.caption, picture(scene.rgba));
    tally.add(score);
    const wrong = [score.background, score.colour, score.shape, ...score.position, score.size]
      .some((value) => value === false);
    if (wrong) misses.push(scene.caption);
  }
  const rates = tally.rates();
  for (const [attribute, { rate, scored }] of Object.entries(rates)) {
    assert.ok(scored > 20, `${attribute}: only ${scored} scored`);
    assert.ok(rate! >= 0.99, `${attribute}: ${rate} (misses: ${misses.join("; ")})`);
  }
  assert.ok(misses.length <= 4, `missed ${misses.length} of 400: ${misses.join("; ")}`);
});

Deno.test("scorePicture() reproduces the README's scores of the reference sample grid", async () => {
  // samples.png: 8 prompts (rows) × 4 seeds, each 64×64 picture shown at 2× with 2 px gaps.
  const grid = decode(await Deno.readFile(toyShapesPath("samples.png")));
  const rows = (await Deno.readTextFile(toyShapesPath("samples.txt")))
    .split("\n").flatMap((line) => /^row \d+: (.+)$/.exec(line)?.[1] ?? []);
  assert.equal(rows.length, 8);
  const expected = [
    // background, colour, shape, position, size (correct/scored; -1 = not scored)
    [[4, 4], [4, 4], [4, 4], [-1], [-1]],
    [[4, 4], [4, 4], [0, 4], [0, 4], [4, 4]],
    [[4, 4], [0, 4], [-1], [-1], [-1]],
    [[4, 4], [3, 4], [0, 4], [-1], [3, 4]],
    [[4, 4], [4, 4], [1, 4], [2, 4], [-1]],
    [[4, 4], [4, 4], [4, 4], [0, 4], [-1]],
    [[4, 4], [0, 4], [0, 4], [-1], [-1]],
    [[4, 4], [4, 4], [4, 4], [1, 4], [-1]],
  ];
  const all = new AdherenceTally();
  for (const [row, prompt] of rows.entries()) {
    const tally = new AdherenceTally();
    for (let seed = 0; seed < 4; seed++) {
      const rgba = new Uint8ClampedArray(64 * 64 * 4);
      for (let y = 0; y < 64; y++) {
        for (let x = 0; x < 64; x++) {
          const at = ((2 + row * 130 + 2 * y) * grid.width + 2 + seed * 130 + 2 * x) *
            grid.channels;
          for (let c = 0; c < 3; c++) rgba[(y * 64 + x) * 4 + c] = grid.data[at + c]!;
          rgba[(y * 64 + x) * 4 + 3] = 255;
        }
      }
      const score = scorePicture(prompt, picture(rgba));
      tally.add(score);
      all.add(score);
    }
    const got = Object.values(tally.rates()).map(({ correct, scored }) =>
      scored === 0 ? [-1] : [correct, scored]
    );
    assert.deepEqual(got, expected[row], prompt);
  }
  const total = Object.values(all.rates()).map(({ correct, scored }) => `${correct}/${scored}`);
  assert.deepEqual(total, ["32/32", "23/32", "13/28", "3/16", "7/8"]);
});
