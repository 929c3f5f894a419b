/**
 * Development keys for `deno task start`: on first run, a secret key and a publishable key for
 * the local origins, returned as lines to print (the only time the keys are visible). Later runs
 * cannot show a key again (only hashes are stored), so they open the demo page with a token
 * minted from an active secret key instead: scoped like a publishable key, limited to the local
 * origins and expiring.
 *
 * @module
 */
import type { KeyService } from "../services/keys/mod.ts";
import { PUBLISHABLE_SCOPES } from "../services/scopes.ts";
import type { TokenService } from "../services/tokens.ts";

/** Options of {@linkcode ensureDevelopmentKeys}. */
export interface DevelopmentKeysOptions {
  /** Mints the demo page's token on runs after the first. */
  tokens: TokenService;
  /** Lifetime of that token. */
  ttlSeconds: number;
}

/** What `deno task start` prints, and the credential for the demo page's `#key=`. */
export interface DevelopmentKeys {
  lines: string[];
  /** A publishable key (first run) or a minted token; absent when no secret key is active. */
  demoKey?: string;
}

/**
 * Creates development keys when the store has no active key; otherwise mints a demo token.
 *
 * @example Usage
 * ```ts ignore
 * const dev = await ensureDevelopmentKeys(keys, 8000, { tokens, ttlSeconds: 3600 });
 * for (const line of dev.lines) console.log(line);
 * console.log(`Demo page: http://localhost:8000/#key=${dev.demoKey}`);
 * ```
 */
export async function ensureDevelopmentKeys(
  keys: KeyService,
  port: number,
  options: DevelopmentKeysOptions,
): Promise<DevelopmentKeys> {
  const origins = [`http://localhost:${port}`, `http://127.0.0.1:${port}`];
  const active = (await keys.list()).filter((r) => r.revokedAt === undefined);
  if (active.length > 0) {
    const lines = [
      `API keys: ${active.length} active (only hashes are stored, so they are not shown again).`,
      "  New ones: npx -y deno@2.9.6 task keys create --kind secret|publishable [--origin URL]",
    ];
    const secret = active.find((r) => r.kind === "secret");
    if (secret === undefined) return { lines };
    const { token } = await options.tokens.mint(secret.id, {
      scopes: [...PUBLISHABLE_SCOPES],
      ttlSeconds: options.ttlSeconds,
      origins,
    });
    const minutes = Math.round(options.ttlSeconds / 60);
    lines.push(
      `  The demo page link below carries a token of ${secret.preview} valid for ${minutes} min.`,
    );
    return { lines, demoKey: token };
  }
  const secret = await keys.create("secret", { name: "development" });
  const publishable = await keys.create("publishable", { name: "development", origins });
  return {
    lines: [
      "Created development keys (shown once; only their hashes are stored):",
      `  secret key       ${secret.key}`,
      `  publishable key  ${publishable.key}   (origins ${origins.join(", ")})`,
    ],
    demoKey: publishable.key,
  };
}
