/**
 * Fault injection for the pool tests: the real render Worker, except that a job whose prompt is
 * `CRASH` throws an uncaught error from the message handler (as a native failure would), and one
 * whose prompt is `HANG` never answers.
 */
import "../../../functions/worker/render_worker.ts";

const scope = globalThis as unknown as {
  onmessage: ((event: MessageEvent) => void) | null;
};
const real = scope.onmessage!;
scope.onmessage = (event) => {
  const prompt = event.data?.request?.prompt;
  if (event.data?.type === "render" && prompt === "CRASH") {
    throw new Error("injected worker crash");
  }
  if (event.data?.type === "render" && prompt === "HANG") return;
  real(event);
};
