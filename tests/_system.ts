/**
 * Tests that need something from the system (Chromium, redis-server, a WebGPU adapter) skip with
 * a warning on a developer machine without it, but fail where it is required: `.ci/run` installs
 * all of them and sets `SD_TEST_REQUIRE_SYSTEM=1`, so a broken install cannot pass as skipped tests.
 *
 * @module
 */

/**
 * Reports that `what` cannot run because of `reason`: throws when `SD_TEST_REQUIRE_SYSTEM=1`,
 * otherwise prints that it is skipped.
 */
export function skipUnlessRequired(what: string, reason: string): void {
  if (Deno.env.get("SD_TEST_REQUIRE_SYSTEM") === "1") {
    throw new Error(`Cannot run ${what}: ${reason} (SD_TEST_REQUIRE_SYSTEM=1 requires it)`);
  }
  console.warn(`skipping ${what}: ${reason}`);
}
