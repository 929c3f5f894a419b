import assert from "node:assert/strict";
import { readFixtureJson } from "../../_fixtures.ts";
import {
  alphasCumprod,
  betasFor,
  numpyLinspace,
  roundHalfEven,
  spacedTimesteps,
} from "../../../shared/schedulers/_schedule.ts";
import { BASE_DEFAULTS } from "../../../shared/schedulers/_config.ts";
import type { SchedulerConfig } from "../../../shared/schedulers/mod.ts";

interface Schedules {
  base_configs: Record<string, Record<string, unknown>>;
  schedules: Record<string, { betas: number[]; alphas_cumprod: number[] }>;
}

const fixture = await readFixtureJson<Schedules>("schedulers/diffusers_goldens.json");

function configOf(raw: Record<string, unknown>): SchedulerConfig {
  return {
    ...BASE_DEFAULTS,
    numTrainTimesteps: raw.num_train_timesteps as number,
    betaStart: raw.beta_start as number,
    betaEnd: raw.beta_end as number,
    betaSchedule: raw.beta_schedule as SchedulerConfig["betaSchedule"],
  };
}

for (const base of ["sd15", "test"]) {
  Deno.test(`betasFor() and alphasCumprod() equal diffusers' float32 ${base} schedule bit for bit`, () => {
    const betas = betasFor(configOf(fixture.base_configs[base]!));
    const expected = fixture.schedules[base]!;
    assert.deepEqual([...betas], expected.betas.map(Math.fround));
    assert.deepEqual([...alphasCumprod(betas)], expected.alphas_cumprod.map(Math.fround));
  });
}

Deno.test("roundHalfEven() rounds halves to the even neighbour like numpy", () => {
  assert.deepEqual([0.5, 1.5, 2.5, -0.5, -1.5, 2.4, 2.6].map(roundHalfEven), [
    0,
    2,
    2,
    -0,
    -2,
    2,
    3,
  ]);
});

Deno.test("numpyLinspace() includes both ends exactly", () => {
  const grid = numpyLinspace(0, 999, 26);
  assert.equal(grid.length, 26);
  assert.equal(grid[0], 0);
  assert.equal(grid[25], 999);
});

Deno.test("spacedTimesteps() follows diffusers' leading, trailing and linspace spacing", () => {
  const config = { numTrainTimesteps: 1000, stepsOffset: 1 };
  assert.deepEqual(
    spacedTimesteps({ ...config, timestepSpacing: "leading" }, 4, "discrete"),
    [751, 501, 251, 1],
  );
  assert.deepEqual(
    spacedTimesteps({ ...config, timestepSpacing: "trailing" }, 4, "discrete"),
    [999, 749, 499, 249],
  );
  assert.deepEqual(
    spacedTimesteps({ ...config, timestepSpacing: "linspace" }, 4, "discrete"),
    [999, 666, 333, 0],
  );
  assert.deepEqual(
    spacedTimesteps({ ...config, timestepSpacing: "linspace" }, 4, "multistep"),
    [999, 749, 500, 250],
  );
  assert.deepEqual(
    spacedTimesteps({ ...config, timestepSpacing: "linspace" }, 4, "sigma"),
    [999, 666, 333, 0],
  );
});
