/**
 * Locates the reference fixtures in `../shared/fixtures/` (next to the project checkout on every
 * machine, CI included) and reads them. Test-only helper.
 */

/** Absolute path of a file under `../shared/fixtures/`. */
export function fixturePath(relative: string): string {
  return new URL(`../../shared/fixtures/${relative}`, import.meta.url).pathname;
}

/** Parses a JSON fixture file. */
export async function readFixtureJson<T = unknown>(relative: string): Promise<T> {
  return JSON.parse(await Deno.readTextFile(fixturePath(relative))) as T;
}

/** Reads a fixture file as bytes. */
export function readFixtureBytes(relative: string): Promise<Uint8Array> {
  return Deno.readFile(fixturePath(relative));
}

/** Absolute path of a file of the trained toy model's folder, `../shared/models/toy-shapes/`. */
export function toyShapesPath(relative: string): string {
  return new URL(`../../shared/models/toy-shapes/${relative}`, import.meta.url).pathname;
}
