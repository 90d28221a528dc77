/**
 * The tree is formatted and lint-clean, as `deno task ok` requires: checked in
 * the test suite so that CI (which runs the tests) catches drift too.
 */
import assert from "node:assert/strict";

const ROOT = new URL(".", import.meta.url).pathname;

async function deno(...args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, text: dec.decode(out.stdout) + dec.decode(out.stderr) };
}

Deno.test("deno fmt --check finds nothing to reformat", async () => {
  const { code, text } = await deno("fmt", "--check");
  assert.equal(code, 0, `run \`deno fmt\`:\n${text.slice(0, 3000)}`);
});

Deno.test("deno lint reports no problems", async () => {
  const { code, text } = await deno("lint");
  assert.equal(code, 0, text.slice(0, 3000));
});
