/**
 * Headless Chromium from Debian (`/usr/bin/chromium`) with a software WebGPU adapter (SwiftShader
 * through Vulkan), driven by puppeteer-core. Never a downloaded browser: when the package is
 * missing, tests skip with the reason printed.
 */
import puppeteer, { type Browser } from "puppeteer-core";
import { skipUnlessRequired } from "../_system.ts";

/** Where Debian's `chromium` package puts the browser. */
export const CHROMIUM = "/usr/bin/chromium";

/** The flags that give Chromium a working WebGPU adapter on SwiftShader, headless and sandboxless. */
export const CHROMIUM_FLAGS = [
  "--headless=new",
  "--enable-unsafe-webgpu",
  "--enable-features=Vulkan",
  "--use-angle=swiftshader",
  "--use-webgpu-adapter=swiftshader",
  "--no-sandbox",
  "--disable-gpu-sandbox",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
];

/** Whether Chromium is installed; prints why tests skip when it is not (throws where required). */
export function chromiumAvailable(what: string): boolean {
  try {
    Deno.statSync(CHROMIUM);
    return true;
  } catch {
    skipUnlessRequired(
      what,
      `${CHROMIUM} is missing (apt-get install chromium mesa-vulkan-drivers)`,
    );
    return false;
  }
}

/** A browser with its own throwaway profile; `close()` removes the profile. */
export async function launchChromium(): Promise<{ browser: Browser; close(): Promise<void> }> {
  const profile = await Deno.makeTempDir({ prefix: "sd-e2e-chromium-" });
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [...CHROMIUM_FLAGS, `--user-data-dir=${profile}`],
    protocolTimeout: 360_000,
  });
  return {
    browser,
    async close() {
      await browser.close();
      await Deno.remove(profile, { recursive: true }).catch(() => {});
    },
  };
}
