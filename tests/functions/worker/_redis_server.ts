/**
 * A throwaway `redis-server` for the worker tests: started on a free loopback port without
 * persistence, stopped by the test. `null` (with the reason printed) only when the binary is
 * not installed and `SD_TEST_REQUIRE_SYSTEM` does not require it.
 */

import { skipUnlessRequired } from "../../_system.ts";

/** A running server. */
export interface TestRedis {
  url: string;
  stop(): Promise<void>;
}

async function ping(port: number): Promise<boolean> {
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    try {
      await conn.write(new TextEncoder().encode("PING\r\n"));
      const reply = new Uint8Array(16);
      const n = await conn.read(reply);
      return n !== null && new TextDecoder().decode(reply.subarray(0, n)).startsWith("+PONG");
    } finally {
      conn.close();
    }
  } catch {
    return false;
  }
}

/** Starts `redis-server --port N --save "" --appendonly no` on 127.0.0.1. */
export async function startTestRedis(): Promise<TestRedis | null> {
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (probe.addr as Deno.NetAddr).port;
  probe.close();
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command("redis-server", {
      args: ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
      stdout: "null",
      stderr: "null",
    }).spawn();
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    skipUnlessRequired(
      "this test",
      "redis-server is not installed (apt-get install -y redis-server)",
    );
    return null;
  }
  const deadline = Date.now() + 10_000;
  while (!(await ping(port))) {
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      await child.status;
      throw new Error(`redis-server did not answer on port ${port}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      child.kill("SIGTERM");
      await child.status;
    },
  };
}
