import assert from "node:assert/strict";
import {
  ConfigError,
  parseConfig,
  parseLimits,
  parseWorkerConfig,
} from "../../functions/config.ts";

Deno.test("parseConfig() gives documented defaults and a frozen object", () => {
  const config = parseConfig({ HOME: "/home/u" });
  assert.equal(config.port, 8000);
  assert.deepEqual(config.models, ["toy-shapes"]);
  assert.equal(config.keysPath, "/home/u/.config/sd-edge/keys.json");
  assert.equal(config.redisUrl, undefined);
  assert.equal(config.limits.publishable.maxImages, 1);
  assert.ok(Object.isFrozen(config) && Object.isFrozen(config.limits.secret));
  assert.throws(() => {
    (config as { port: number }).port = 1;
  }, TypeError);
});

Deno.test("parseConfig() reads every variable it documents", () => {
  const config = parseConfig({
    PORT: "9000",
    SD_MODELS: "tiny-sd, sd15",
    SD_REDIS_URL: "redis://127.0.0.1:6379",
    SD_JWT_SECRET: "x".repeat(40),
    SD_ALLOWED_ORIGINS: "https://a.example,http://localhost:3000",
    SD_MAX_STEPS: "80",
    SD_MAX_BODY_BYTES: "4096",
    SD_RATE_PUBLISHABLE_BURST: "3",
    SD_WORKER_THREADS: "2",
    SD_DEVICE: "webgpu",
  });
  assert.equal(config.port, 9000);
  assert.equal(config.device, "webgpu");
  assert.equal(parseConfig({}).device, "auto");
  assert.deepEqual(config.models, ["tiny-sd", "sd15"]);
  assert.deepEqual(config.allowedOrigins, ["https://a.example", "http://localhost:3000"]);
  assert.equal(config.limits.secret.maxSteps, 80);
  assert.equal(config.maxBodyBytes, 4096);
  assert.equal(config.rateLimits.publishable.burst, 3);
  assert.equal(config.workerThreads, 2);
  assert.equal(parseConfig({}).workerThreads, undefined, "unset: the pool splits the cores");
});

Deno.test("parseConfig() lists every invalid variable in one ConfigError", () => {
  let error: unknown;
  try {
    parseConfig({
      PORT: "eighty",
      SD_MAX_STEPS: "0",
      SD_ALLOWED_ORIGINS: "https://a.example/path",
      SD_REDIS_URL: "http://nope",
      SD_JWT_SECRET: "short",
      SD_WORKER_THREADS: "0",
      SD_DEVICE: "tpu",
    });
  } catch (caught) {
    error = caught;
  }
  assert.ok(error instanceof ConfigError);
  const names = error.issues.map((i) => i.variable).sort();
  assert.deepEqual(names, [
    "PORT",
    "SD_ALLOWED_ORIGINS",
    "SD_DEVICE",
    "SD_JWT_SECRET",
    "SD_MAX_STEPS",
    "SD_REDIS_URL",
    "SD_WORKER_THREADS",
  ]);
  assert.match(
    error.message,
    /PORT: must be an integer in \[0, 65535\]: current value is 'eighty'/,
  );
});

Deno.test("parseConfig() requires a JWT secret when Redis shares state between instances", () => {
  assert.throws(
    () => parseConfig({ SD_REDIS_URL: "redis://127.0.0.1:6379" }),
    /SD_JWT_SECRET: is required with SD_REDIS_URL/,
  );
});

Deno.test("parseWorkerConfig() reads the worker's variables once and lists invalid ones", () => {
  assert.deepEqual(
    { ...parseWorkerConfig({}) },
    { redisUrl: undefined, models: ["toy-shapes"], workers: 1, device: "auto" },
  );
  const config = parseWorkerConfig({
    SD_REDIS_URL: "redis://r:6379",
    SD_MODELS: "a, b",
    SD_WORKERS: "3",
    SD_WORKER_THREADS: "2",
    SD_MODELS_DIR: "/m",
    SD_DEVICE: "cuda",
  });
  assert.deepEqual({ ...config, models: [...config.models] }, {
    redisUrl: "redis://r:6379",
    models: ["a", "b"],
    workers: 3,
    workerThreads: 2,
    modelsDir: "/m",
    device: "cuda",
  });
  assert.throws(
    () => parseWorkerConfig({ SD_WORKERS: "0", SD_WORKER_THREADS: "x", SD_DEVICE: "gpu" }),
    (error: unknown) =>
      error instanceof ConfigError &&
      error.issues.map((i) => i.variable).join() === "SD_WORKERS,SD_WORKER_THREADS,SD_DEVICE",
  );
});

Deno.test("parseLimits() gives the CLI the secret keys' SD_MAX_* limits", () => {
  assert.deepEqual({ ...parseLimits({}) }, {
    maxSteps: 150,
    maxSize: 1024,
    maxImages: 4,
    maxGuidance: 50,
  });
  assert.equal(parseLimits({ SD_MAX_STEPS: "60", SD_MAX_GUIDANCE: "20" }).maxSteps, 60);
  assert.throws(() => parseLimits({ SD_MAX_SIZE: "big" }), ConfigError);
});
