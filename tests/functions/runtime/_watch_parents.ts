/** Prints "watching <pid>", then "gone" and exits once `watchParents` sees its launcher exit. */
import { watchParents } from "../../../functions/runtime/parent_watch.ts";

watchParents(() => {
  console.log("gone");
  Deno.exit(0);
}, { intervalMs: 50 });
console.log(`watching ${Deno.pid}`);
await new Promise((resolve) => setTimeout(resolve, 30_000));
console.log("timed out");
