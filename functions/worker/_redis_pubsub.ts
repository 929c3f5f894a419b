/**
 * One Redis subscriber connection shared by every listener of a queue client, with per-channel
 * reference counting (a channel is subscribed while it has listeners).
 *
 * @module
 */

import type { Redis } from "ioredis";

/** Channel listeners over one lazily opened subscriber connection. */
export class Subscriptions {
  #connect: () => Redis;
  #redis: Redis | undefined;
  #listeners = new Map<string, Set<(message: string) => void>>();

  constructor(connect: () => Redis) {
    this.#connect = connect;
  }

  /** Calls `listener` for each message on `channel` until the returned function is called. */
  async listen(channel: string, listener: (message: string) => void): Promise<() => Promise<void>> {
    if (this.#redis === undefined) {
      const redis = this.#connect();
      redis.on("message", (from: string, message: string) => {
        for (const notify of this.#listeners.get(from) ?? []) notify(message);
      });
      this.#redis = redis;
    }
    const redis = this.#redis;
    let set = this.#listeners.get(channel);
    if (set === undefined) {
      set = new Set();
      this.#listeners.set(channel, set);
      await redis.subscribe(channel);
    }
    set.add(listener);
    return async () => {
      const current = this.#listeners.get(channel);
      if (current === undefined || !current.delete(listener) || current.size > 0) return;
      this.#listeners.delete(channel);
      if (this.#redis === redis && redis.status === "ready") await redis.unsubscribe(channel);
    };
  }

  /** Closes the connection. */
  close(): void {
    this.#listeners.clear();
    this.#redis?.disconnect();
    this.#redis = undefined;
  }
}
