/**
 * API key strings: `sk_` (secret) and `pk_` (publishable) followed by a 16-character public id
 * and a 32-character secret, all base62. Only the SHA-256 of a key is stored; the id locates the
 * record and the hashes are compared in constant time.
 *
 * @module
 */

/** Which kind of key. */
export type KeyKind = "secret" | "publishable";

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const ID_LENGTH = 16;
const SECRET_LENGTH = 32;
const PREFIX: Record<KeyKind, string> = { secret: "sk_", publishable: "pk_" };
const KEY_PATTERN = /^(sk|pk)_([0-9A-Za-z]{16})([0-9A-Za-z]{32})$/;

/** A freshly generated key. */
export interface GeneratedKey {
  /** The full key, shown once. */
  key: string;
  /** Public id (safe to log and list). */
  id: string;
}

/**
 * Generates a new random key of `kind`.
 *
 * @example Usage
 * ```ts
 * const { key, id } = generateKey("secret"); // key starts with "sk_"
 * ```
 */
export function generateKey(kind: KeyKind): GeneratedKey {
  const id = randomBase62(ID_LENGTH);
  return { key: `${PREFIX[kind]}${id}${randomBase62(SECRET_LENGTH)}`, id };
}

/**
 * Splits a key string into kind and id; `null` when it is not shaped like a key.
 *
 * @example Usage
 * ```ts
 * parseKey("not a key"); // null
 * ```
 */
export function parseKey(key: string): { kind: KeyKind; id: string } | null {
  const match = KEY_PATTERN.exec(key);
  if (match === null) return null;
  return { kind: match[1] === "sk" ? "secret" : "publishable", id: match[2]! };
}

/**
 * Lower-case hex SHA-256 of a key (WebCrypto).
 *
 * @example Usage
 * ```ts
 * const hash = await hashKey("sk_...");
 * ```
 */
export async function hashKey(key: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Compares two strings in time that depends only on their lengths.
 *
 * @example Usage
 * ```ts
 * timingSafeEqual("abc", "abc"); // true
 * ```
 */
export function timingSafeEqual(a: string, b: string): boolean {
  const length = Math.max(a.length, b.length);
  let diff = a.length ^ b.length;
  for (let i = 0; i < length; i++) {
    diff |= (a.charCodeAt(i) | 0) ^ (b.charCodeAt(i) | 0);
  }
  return diff === 0;
}

function randomBase62(length: number): string {
  let out = "";
  const bytes = new Uint8Array(length * 2);
  while (out.length < length) {
    crypto.getRandomValues(bytes);
    for (const byte of bytes) {
      // 248 = 4 × 62: rejecting larger bytes keeps every character equally likely.
      if (byte < 248 && out.length < length) out += ALPHABET[byte % 62];
    }
  }
  return out;
}
