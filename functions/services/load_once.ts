/**
 * One load per key, shared by every caller: what the encoder and the model catalog need to load a
 * model once however many requests ask for it at the same time.
 *
 * @module
 */

/**
 * Loads each key once and hands every caller the same promise; a load that fails is forgotten, so
 * the next call for that key tries again.
 *
 * @example Usage
 * ```ts ignore
 * const models = new LoadOnce((id) => loadModel(id));
 * await Promise.all([models.get("tiny-sd"), models.get("tiny-sd")]); // one load
 * ```
 */
export class LoadOnce<T> {
  #load: (key: string) => Promise<T>;
  #pending = new Map<string, Promise<T>>();

  constructor(load: (key: string) => Promise<T>) {
    this.#load = load;
  }

  /** The value of `key`, loading it on the first call (or the first after a failed load). */
  get(key: string): Promise<T> {
    let promise = this.#pending.get(key);
    if (promise === undefined) {
      promise = this.#load(key).catch((error) => {
        this.#pending.delete(key);
        throw error;
      });
      this.#pending.set(key, promise);
    }
    return promise;
  }

  /** The loads started and not yet failed, in the order they started. */
  started(): Promise<T>[] {
    return [...this.#pending.values()];
  }

  /** Forgets every load; the next `get` of any key loads again. */
  clear(): void {
    this.#pending.clear();
  }
}
