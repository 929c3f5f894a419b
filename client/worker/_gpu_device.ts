/**
 * Observes the GPU devices created in this worker (onnxruntime-web creates its own), so the
 * worker can report `device.lost` at once instead of waiting for a run to fail or hang.
 *
 * The backend in `shared/ort` does not expose onnxruntime-web's `GPUDevice`; wrapping
 * `GPUAdapter.prototype.requestDevice` before the backend opens sees it without touching
 * onnxruntime's globals. (onnxruntime-web destroys its own device when its last session is
 * released, so a `lost` with reason `destroyed` is not always a failure: the worker decides.)
 *
 * @module
 */

/** The part of a `GPUDevice` the worker uses. */
export interface WatchedDevice {
  readonly lost: Promise<{ reason: string; message: string }>;
  destroy(): void;
}

type RequestDevice = (this: unknown, ...args: unknown[]) => Promise<WatchedDevice>;

/**
 * Calls `onDevice` with every device requested from now on in this global scope.
 *
 * @example Usage
 * ```ts ignore
 * watchGpuDevices((device) => device.lost.then((info) => console.log(info.reason)));
 * ```
 */
export function watchGpuDevices(onDevice: (device: WatchedDevice) => void): void {
  const adapterClass = (globalThis as { GPUAdapter?: { prototype: object } }).GPUAdapter;
  if (adapterClass === undefined) return;
  const proto = adapterClass.prototype as { requestDevice: RequestDevice };
  const original = proto.requestDevice;
  proto.requestDevice = function (this: unknown, ...args: unknown[]) {
    const request = original.apply(this, args);
    // The caller gets the browser's own promise back, untouched.
    request.then(onDevice, () => {});
    return request;
  };
}
