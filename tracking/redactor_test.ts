import assert from "node:assert/strict";
import { Redactor, redactUri } from "./redactor.ts";

Deno.test("redactUri() masks passwords, long bare userinfo and secret query values, and keeps the rest as written", async (t) => {
  const cases: [string, string][] = [
    ["http://127.0.0.1:5000", "http://127.0.0.1:5000"],
    ["http://bob:hunter2@mlflow:5000/", "http://bob:***@mlflow:5000/"],
    ["https://ghp_abcdefghijklmnopqrstuvwxyz@host/x", "https://***@host/x"],
    ["http://host/?token=abc&page=2", "http://host/?token=***&page=2"],
    ["file:./mlruns", "file:./mlruns"],
    ["htp:/bob:pw@x y", "htp:/bob:pw@x y"],
    ["http://bob:p@ss@host", "http://bob:***@host"],
  ];
  for (const [input, expected] of cases) {
    await t.step(input, () => assert.equal(redactUri(input), expected));
  }
});

Deno.test("Redactor.fromEnv() masks the token, the password (plain, URL-encoded, in basic auth)", () => {
  const r = Redactor.fromEnv({
    MLFLOW_TRACKING_URI: "http://alice:s%40cret!@host",
    MLFLOW_TRACKING_TOKEN: "tok123456",
  });
  assert.equal(r.text("Bearer tok123456"), "Bearer ***");
  assert.equal(r.text("pw s@cret! or s%40cret!"), "pw *** or ***");
  assert.equal(r.text(`Basic ${btoa("alice:s@cret!")}`), "Basic ***");
  assert.equal(r.contains("nothing here"), false);
  assert.equal(new Redactor(["ab"]).text("ab cab"), "ab cab", "too short to mask safely");
});
