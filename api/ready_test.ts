import assert from "node:assert/strict";
import { join } from "node:path";
import { createApp } from "./app.ts";
import { ModelHolder } from "./model_holder.ts";
import { JsonLogger } from "./json_logger.ts";
import { loadFromSource } from "./model_source.ts";
import { fixture } from "./_test_fixture.ts";
import type { LoadedModel } from "./loaded_model.ts";
import { assertDeclared } from "./_response_check.ts";

const quiet = new JsonLogger({ level: "off" });

Deno.test("GET /ready: 200 with the served version during a reload, 503 once shutting down", async () => {
  const f = await fixture();
  const old = await loadFromSource({
    kind: "dir",
    modelDir: join(f.dataDir, "models", "biased-mf"),
    dataDir: f.dataDir,
  });
  let finish: (m: LoadedModel) => void = () => {};
  const holder = new ModelHolder(
    () => new Promise<LoadedModel>((resolve) => finish = resolve),
    { initial: old },
  );
  const app = createApp({ holder, logger: quiet });
  const ready = async () => {
    const res = await app.request("/ready");
    await assertDeclared("GET", "/ready", res.clone());
    return { status: res.status, body: await res.json() };
  };
  const version = old.info.version;
  assert.deepEqual(await ready(), {
    status: 200,
    body: { ready: true, model: "biased-mf", version, reloading: false },
  });
  const reload = holder.reload();
  assert.deepEqual(
    (await ready()).body,
    { ready: true, model: "biased-mf", version, reloading: true },
    "the old model keeps answering while the new one loads: the replica stays in the pool",
  );
  const staged = holder.staging(new Promise<void>((r) => r()));
  assert.equal((await ready()).body.reloading, true);
  await staged;
  finish(old);
  assert.equal((await reload).ok, true);
  assert.equal((await ready()).body.reloading, false);
  holder.drain();
  const draining = await ready();
  assert.equal(draining.status, 503);
  assert.match(draining.body.detail, /Shutting down: .* send new requests to another replica/);
  assert.equal((await app.request("/health")).status, 200, "/health stays live while draining");
});
