import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { pullModel } from "../../../models/hub/pull.ts";
import { DownloadIntegrityError, HubPullError } from "../../../models/hub/errors.ts";
import { repoCachePaths } from "../../../models/hub/cache_layout.ts";
import { type HubServer, startHubServer } from "./_hub_server.ts";
import { tinyRepoFiles } from "./_tiny_repo.ts";

const REPO = "org/tiny-sd-onnx";
const files = await tinyRepoFiles();

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

async function withHub(
  options: { token?: string },
  body: (server: HubServer, cacheDir: string) => Promise<void>,
): Promise<void> {
  const server = startHubServer({ repo: REPO, files, ...options });
  const cacheDir = await Deno.makeTempDir({ prefix: "hub-cache-" });
  try {
    await body(server, cacheDir);
  } finally {
    await server.close();
    await Deno.remove(cacheDir, { recursive: true });
  }
}

async function listTree(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (path: string, rel: string) => {
    for await (const entry of Deno.readDir(path)) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      out.push(child);
      if (entry.isDirectory) await walk(`${path}/${entry.name}`, child);
    }
  };
  await walk(dir, "");
  return out.sort();
}

const hubOptions = (server: HubServer, cacheDir: string) => ({
  cacheDir,
  hubUrl: server.url,
  retryDelayMs: 0,
});

Deno.test("pullModel() lays out the hub cache: blobs by oid, snapshot symlinks, refs/main", async () => {
  await withHub({}, async (server, cacheDir) => {
    const result = await pullModel(REPO, hubOptions(server, cacheDir));
    const paths = repoCachePaths(cacheDir, REPO);
    assert.equal(result.commit, server.commit);
    assert.equal(result.root, paths.snapshot(server.commit));
    assert.equal((await Deno.readTextFile(paths.ref("main"))).trim(), server.commit);
    const unetData = files["unet/model.onnx_data"]!.bytes;
    const link = await Deno.readLink(`${result.root}/unet/model.onnx_data`);
    assert.equal(link, `../../../blobs/${sha256(unetData)}`);
    assert.deepEqual(await Deno.readFile(`${result.root}/unet/model.onnx_data`), unetData);
    const vocab = await Deno.readLink(`${result.root}/tokenizer/vocab.json`);
    assert.match(vocab, /^\.\.\/\.\.\/\.\.\/blobs\/[0-9a-f]{40}$/);
    // Files outside the ONNX layout are not fetched, and nothing temporary is left.
    const tree = await listTree(paths.storage);
    assert.ok(!tree.some((p) => p.includes("README") || p.includes("diffusers")));
    assert.ok(!tree.some((p) => p.endsWith(".incomplete") || p.includes(".tmp-")));
    const layout = Object.entries(files).filter(([p]) => p !== "README.md" && !p.startsWith("d"));
    assert.equal(result.downloadedBytes, layout.reduce((sum, [, f]) => sum + f.bytes.length, 0));
  });
});

Deno.test("pullModel() writes a manifest whose I/O comes from the downloaded ONNX graphs", async () => {
  await withHub({}, async (server, cacheDir) => {
    const { manifest, root } = await pullModel(`${REPO}@main`, hubOptions(server, cacheDir));
    assert.deepEqual(JSON.parse(await Deno.readTextFile(`${root}/manifest.json`)), manifest);
    assert.equal(manifest.id, REPO);
    assert.deepEqual(manifest.source, { repo: REPO, revision: server.commit });
    assert.equal(manifest.license, "mit");
    const unet = manifest.components.unet;
    assert.deepEqual(unet.externalData, {
      path: "unet/model.onnx_data",
      bytes: files["unet/model.onnx_data"]!.bytes.byteLength,
      sha256: sha256(files["unet/model.onnx_data"]!.bytes),
    });
    assert.deepEqual(unet.inputs.map((i) => [i.name, i.dtype]), [
      ["sample", "float32"],
      ["timestep", "int64"],
      ["encoder_hidden_states", "float32"],
    ]);
    assert.equal(manifest.embeddingDim, 32);
    assert.equal(manifest.tokenizer.vocab.sha256, sha256(files["tokenizer/vocab.json"]!.bytes));
    assert.ok(manifest.components.vae_encoder);
  });
});

Deno.test("pullModel() uses the hub's endpoints: revision, paginated tree, resolve at the commit", async () => {
  await withHub({}, async (server, cacheDir) => {
    await pullModel(REPO, hubOptions(server, cacheDir));
    const paths = server.requests.map((r) => r.path);
    assert.equal(paths[0], `/api/models/${REPO}/revision/main`);
    const treeCalls = paths.filter((p) => p === `/api/models/${REPO}/tree/${server.commit}`);
    assert.ok(treeCalls.length > 1, "the tree listing is followed through its Link pages");
    const resolved = paths.filter((p) => p.includes("/resolve/"));
    assert.ok(resolved.every((p) => p.startsWith(`/${REPO}/resolve/${server.commit}/`)));
  });
});

Deno.test("pullModel() a second time downloads nothing", async () => {
  await withHub({}, async (server, cacheDir) => {
    await pullModel(REPO, hubOptions(server, cacheDir));
    const before = server.requests.length;
    const again = await pullModel(REPO, hubOptions(server, cacheDir));
    assert.equal(again.downloadedBytes, 0);
    const later = server.requests.slice(before).map((r) => r.path);
    assert.ok(!later.some((p) => p.includes("/resolve/") || p.startsWith("/cdn/")));
  });
});

Deno.test("pullModel() resumes after a dropped connection with a Range request", async () => {
  await withHub({}, async (server, cacheDir) => {
    server.faults.set("unet/model.onnx_data", [{ kind: "drop", after: 1_000_000 }]);
    const { root } = await pullModel(REPO, hubOptions(server, cacheDir));
    const ranges = server.requests
      .filter((r) => r.path.startsWith("/cdn/") && r.range !== "bytes=0-0")
      .map((r) => r.range);
    assert.ok(ranges.includes(`bytes=1000000-${files["unet/model.onnx_data"]!.bytes.length - 1}`));
    assert.deepEqual(
      await Deno.readFile(`${root}/unet/model.onnx_data`),
      files["unet/model.onnx_data"]!.bytes,
    );
  });
});

Deno.test("pullModel() continues an .incomplete file left by an interrupted run", async () => {
  await withHub({}, async (server, cacheDir) => {
    const bytes = files["text_encoder/model.onnx"]!.bytes;
    const blob = repoCachePaths(cacheDir, REPO).blob(sha256(bytes));
    await Deno.mkdir(blob.slice(0, blob.lastIndexOf("/")), { recursive: true });
    await Deno.writeFile(`${blob}.incomplete`, bytes.subarray(0, 4_000_000));
    const { root } = await pullModel(REPO, hubOptions(server, cacheDir));
    const bodies = server.requests.filter((r) =>
      r.path === `/cdn/${sha256(bytes)}` && r.range !== "bytes=0-0"
    );
    assert.deepEqual(bodies.map((r) => r.range), [`bytes=4000000-${bytes.length - 1}`]);
    assert.deepEqual(await Deno.readFile(`${root}/text_encoder/model.onnx`), bytes);
  });
});

Deno.test("pullModel() starts over when a server ignores Range on resume", async () => {
  await withHub({}, async (server, cacheDir) => {
    server.faults.set("vae_decoder/model.onnx", [
      { kind: "drop", after: 500_000 },
      { kind: "ignore-range" },
    ]);
    const { root } = await pullModel(REPO, hubOptions(server, cacheDir));
    assert.deepEqual(
      await Deno.readFile(`${root}/vae_decoder/model.onnx`),
      files["vae_decoder/model.onnx"]!.bytes,
    );
  });
});

Deno.test("pullModel() rejects a file whose sha256 differs from the LFS oid and keeps nothing", async () => {
  await withHub({}, async (server, cacheDir) => {
    const bytes = files["vae_decoder/model.onnx"]!.bytes.slice();
    bytes[1234] = bytes[1234]! ^ 0xff;
    server.tamper("vae_decoder/model.onnx", bytes);
    await assert.rejects(
      pullModel(REPO, hubOptions(server, cacheDir)),
      (error: unknown) => {
        assert.ok(error instanceof DownloadIntegrityError);
        assert.equal(error.path, "vae_decoder/model.onnx");
        assert.match(error.message, /sha256 is [0-9a-f]{64}, but the hub lists [0-9a-f]{64}/);
        return true;
      },
    );
    const tree = await listTree(repoCachePaths(cacheDir, REPO).storage);
    const oid = sha256(files["vae_decoder/model.onnx"]!.bytes);
    assert.ok(!tree.some((p) => p.includes(oid)), "no blob, no .incomplete");
    assert.ok(
      !tree.some((p) => p.endsWith("vae_decoder/model.onnx") || p.endsWith("manifest.json")),
    );
  });
});

Deno.test("pullModel() reports a truncated file on the server and links nothing", async () => {
  await withHub({}, async (server, cacheDir) => {
    const bytes = files["unet/model.onnx"]!.bytes;
    server.tamper("unet/model.onnx", bytes.subarray(0, bytes.length - 1000));
    await assert.rejects(
      pullModel(REPO, { ...hubOptions(server, cacheDir), retries: 1 }),
      (error: unknown) =>
        error instanceof DownloadIntegrityError && /unet\/model\.onnx/.test(error.message) &&
        error.message.includes(`${bytes.length} bytes`),
    );
    const tree = await listTree(repoCachePaths(cacheDir, REPO).storage);
    assert.ok(!tree.some((p) => p.endsWith("unet/model.onnx") || p.endsWith("manifest.json")));
  });
});

Deno.test("pullModel() gives up on a connection that keeps dropping, keeping the part for later", async () => {
  await withHub({}, async (server, cacheDir) => {
    const drop = { kind: "drop", after: 100_000 } as const;
    server.faults.set("text_encoder/model.onnx", [drop, drop]);
    await assert.rejects(
      pullModel(REPO, { ...hubOptions(server, cacheDir), retries: 1 }),
      (error: unknown) =>
        error instanceof DownloadIntegrityError &&
        /got 200000 of 6444849 bytes.*run the pull again to resume/.test(error.message),
    );
    const bytes = files["text_encoder/model.onnx"]!.bytes;
    const blob = repoCachePaths(cacheDir, REPO).blob(sha256(bytes));
    assert.equal((await Deno.stat(`${blob}.incomplete`)).size, 200_000);
    await assert.rejects(Deno.stat(blob), Deno.errors.NotFound);
    // The next pull picks up where this one stopped.
    const { root } = await pullModel(REPO, hubOptions(server, cacheDir));
    assert.deepEqual(await Deno.readFile(`${root}/text_encoder/model.onnx`), bytes);
  });
});

Deno.test("pullModel() explains a 401 from a private repo and succeeds with the token", async () => {
  await withHub({ token: "hf_secret" }, async (server, cacheDir) => {
    await assert.rejects(
      pullModel(REPO, hubOptions(server, cacheDir)),
      (error: unknown) =>
        error instanceof HubPullError && error.status === 401 &&
        /Cannot resolve 'org\/tiny-sd-onnx@main': the hub answered 401.*HF_TOKEN/.test(
          error.message,
        ),
    );
    const result = await pullModel(REPO, {
      ...hubOptions(server, cacheDir),
      accessToken: "hf_secret",
    });
    assert.equal(result.commit, server.commit);
    const resolves = server.requests.filter((r) => r.path.includes("/resolve/"));
    assert.ok(resolves.every((r) => r.authorization === "Bearer hf_secret"));
  });
});

Deno.test("pullModel() explains a 404 for an unknown repository or revision", async () => {
  await withHub({}, async (server, cacheDir) => {
    await assert.rejects(
      pullModel("org/missing", hubOptions(server, cacheDir)),
      (error: unknown) =>
        error instanceof HubPullError && error.status === 404 &&
        /Cannot resolve 'org\/missing@main': the hub answered 404, Repository not found/.test(
          error.message,
        ),
    );
    await assert.rejects(
      pullModel(`${REPO}@v9`, hubOptions(server, cacheDir)),
      /the hub answered 404, Invalid rev id: v9 \(check the repository name and revision\)/,
    );
    assert.deepEqual(await listTree(cacheDir), []);
  });
});

Deno.test("pullModel() names the hub it could not reach when nothing answers there", async () => {
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const hubUrl = `http://127.0.0.1:${(probe.addr as Deno.NetAddr).port}`;
  probe.close(); // nothing listens there now
  const cacheDir = await Deno.makeTempDir({ prefix: "hub-cache-" });
  try {
    await assert.rejects(
      pullModel(REPO, { cacheDir, hubUrl }),
      (error: unknown) =>
        error instanceof HubPullError &&
        error.message.startsWith(`Cannot resolve '${REPO}@main' from ${hubUrl}: `),
    );
    assert.deepEqual(await listTree(cacheDir), []);
  } finally {
    await Deno.remove(cacheDir, { recursive: true });
  }
});

Deno.test("pullModel() refuses a repository that is not an ONNX layout, naming what is missing", async () => {
  const server = startHubServer({
    repo: REPO,
    files: { "model_index.json": files["model_index.json"]!, "README.md": files["README.md"]! },
  });
  const cacheDir = await Deno.makeTempDir();
  try {
    await assert.rejects(
      pullModel(REPO, { cacheDir, hubUrl: server.url }),
      /not an ONNX Stable Diffusion layout, text_encoder\/model\.onnx, unet\/model\.onnx/,
    );
  } finally {
    await server.close();
    await Deno.remove(cacheDir, { recursive: true });
  }
});

Deno.test("pullModel() stops on abort and reports download progress on the way", async () => {
  await withHub({}, async (server, cacheDir) => {
    const controller = new AbortController();
    const events: string[] = [];
    await assert.rejects(
      pullModel(REPO, {
        ...hubOptions(server, cacheDir),
        signal: controller.signal,
        onProgress(event) {
          events.push(event.type);
          if (event.type === "download" && event.path === "text_encoder/model.onnx") {
            assert.ok(event.loaded > 0 && event.loaded <= event.total);
            controller.abort();
          }
        },
      }),
      (error: unknown) => error instanceof DOMException && error.name === "AbortError",
    );
    assert.equal(events[0], "resolve");
    assert.ok(events.includes("download"));
  });
});
