/**
 * A key store in one JSON file (`{ "keys": [...] }`), for single-machine deployments. Writes are
 * atomic (temporary file, then rename) and readers reload when the file's modification time
 * changes, so `deno task keys revoke` takes effect on a running server.
 *
 * @module
 */
import { isKeyRecord, type KeyRecord, type KeyStore } from "./store.ts";

/**
 * Opens (or, on first write, creates) the key file at `path`.
 *
 * @example Usage
 * ```ts
 * const store = createFileKeyStore("/home/me/.config/sd-edge/keys.json");
 * ```
 */
export function createFileKeyStore(path: string): KeyStore {
  let cache: { mtime: number; records: Map<string, KeyRecord> } | null = null;

  async function load(): Promise<Map<string, KeyRecord>> {
    let mtime: number;
    try {
      mtime = (await Deno.stat(path)).mtime?.getTime() ?? 0;
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return new Map();
      throw error;
    }
    if (cache !== null && cache.mtime === mtime) return cache.records;
    const parsed: unknown = JSON.parse(await Deno.readTextFile(path));
    const list = (parsed as { keys?: unknown }).keys;
    if (!Array.isArray(list) || !list.every(isKeyRecord)) {
      throw new TypeError(`Cannot read keys as '${path}' is not a key file`);
    }
    cache = { mtime, records: new Map(list.map((r) => [r.id, r])) };
    return cache.records;
  }

  async function save(records: Map<string, KeyRecord>): Promise<void> {
    const dir = path.replace(/[/\\][^/\\]*$/, "");
    if (dir !== path) await Deno.mkdir(dir, { recursive: true });
    const tmp = `${path}.${crypto.randomUUID()}.incomplete`;
    const body = JSON.stringify({ keys: [...records.values()] }, null, 2) + "\n";
    await Deno.writeTextFile(tmp, body, { mode: 0o600 });
    await Deno.rename(tmp, path);
    cache = null;
  }

  return {
    async get(id) {
      return structuredClone((await load()).get(id) ?? null);
    },
    async put(record) {
      const records = new Map(await load());
      records.set(record.id, structuredClone(record));
      await save(records);
    },
    async list() {
      return [...(await load()).values()].map((r) => structuredClone(r));
    },
  };
}
