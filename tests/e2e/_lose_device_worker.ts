/**
 * A render worker whose GPU device is lost after a given denoising step, for the fallback test:
 * a test-only module, served next to the built worker, that hooks `GPUAdapter.requestDevice` and
 * the worker's `postMessage` and then imports the real worker unchanged. At the step it reports
 * the device lost (as a driver reset does, reason `unknown`) and destroys it; production code
 * carries no test switch.
 */
import type { Stack } from "./_stack.ts";

/** Writes the worker into the stack's client build; gives its URL on the API. */
export async function loseDeviceWorker(stack: Stack, step: number): Promise<string> {
  const real = stack.client.files["worker.js"]!.file.replace(/^ort\//, "./");
  const hooks = `
const devices = [];
let lose = () => {};
const lost = new Promise((resolve) => (lose = resolve));
const requestDevice = GPUAdapter.prototype.requestDevice;
GPUAdapter.prototype.requestDevice = async function (...args) {
  const device = await requestDevice.apply(this, args);
  devices.push(device);
  Object.defineProperty(device, "lost", { value: lost });
  return device;
};
const post = globalThis.postMessage.bind(globalThis);
globalThis.postMessage = (message, transfer) => {
  post(message, transfer);
  if (message?.type === "progress" && message.event?.type === "step" &&
      message.event.step === ${step}) {
    lose({ reason: "unknown", message: "lost by the test worker" });
    setTimeout(() => devices.forEach((device) => device.destroy()), 0);
  }
};
`;
  await Deno.writeTextFile(`${stack.dist}/ort/test-lose-device-hooks.js`, hooks);
  await Deno.writeTextFile(
    `${stack.dist}/ort/test-lose-device.js`,
    `import "./test-lose-device-hooks.js";\nimport ${JSON.stringify(real)};\n`,
  );
  return `${stack.api.url}/ort/test-lose-device.js`;
}
