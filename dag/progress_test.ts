import assert from "node:assert/strict";
import { createProgress, createSweepProgress, ProgressBoard } from "./progress.ts";

/** A fake terminal: applies the board's escapes (`ESC[nF` up n lines, `ESC[0J` clear below). */
function terminal() {
  const screen: string[] = [];
  let row = 0;
  const write = (text: string) => {
    // deno-lint-ignore no-control-regex -- terminal escapes are what this fake terminal reads
    for (const part of text.split(/(\x1b\[\d+F|\x1b\[0J|\n)/)) {
      if (part === "") continue;
      // deno-lint-ignore no-control-regex -- the cursor-up escape
      const up = /^\x1b\[(\d+)F$/.exec(part);
      if (up) row = Math.max(0, row - Number(up[1]));
      else if (part === "\x1b[0J") screen.length = row;
      else if (part === "\n") row++;
      else screen[row] = (screen[row] ?? "") + part;
    }
  };
  return { screen, write };
}

Deno.test("createProgress() on a terminal redraws one bar per stage in place, log lines above", () => {
  const tty = terminal();
  const board = new ProgressBoard(tty.write);
  let t = 0;
  const train = createProgress("train", { board, now: () => t });
  const evaluate = createProgress("evaluate", { board, now: () => t });
  train.info("fitting biased-mf");
  for (let e = 1; e <= 4; e++) {
    t += 1000;
    train.update(e, 10, "epochs of biased-mf");
  }
  evaluate.update(1, 3, "models");
  assert.deepEqual(board.bars, ["train", "evaluate"]);
  assert.equal(tty.screen.length, 3, tty.screen.join("\n"));
  assert.match(tty.screen[0]!, /^\[train\] fitting biased-mf/);
  assert.match(
    tty.screen[1]!,
    /^\[train\] \[#{8}-{12}\] 4\/10 epochs of biased-mf \(40%\).*ETA 6\.00s$/,
  );
  assert.match(tty.screen[2]!, /^\[evaluate\] \[#{7}-{13}\] 1\/3 models/);
  train.info("early stopping at epoch 4");
  assert.match(tty.screen[1]!, /early stopping/);
  assert.match(tty.screen[2]!, /^\[train\] \[/, "the bars stay below the log lines");
  train.update(10, 10, "epochs of biased-mf");
  assert.deepEqual(board.bars, ["evaluate"]);
  assert.match(tty.screen[2]!, /^\[train\] \[#{20}\] 10\/10 epochs/, "the last state stays");
  evaluate.end?.();
  assert.deepEqual(board.bars, []);
  assert.equal(tty.screen.length, 3);
});

Deno.test("createProgress() without a terminal prints plain throttled lines, no escapes", () => {
  const lines: string[] = [];
  let t = 0;
  const p = createProgress("train", {
    write: (l) => lines.push(l),
    now: () => t,
    intervalMs: 2000,
  });
  for (let e = 1; e <= 10; e++) {
    t += 500;
    p.update(e, 10, "epochs");
  }
  assert.ok(lines.every((l) => !l.includes("\x1b")));
  assert.ok(lines.length >= 2 && lines.length <= 4, lines.join("\n"));
  assert.match(lines.at(-1)!, /^\[train\] 10\/10 epochs \(100%\)/);
});

Deno.test("createSweepProgress() shows the sweep's bar with an ETA, or a line per run", () => {
  const tty = terminal();
  const board = new ProgressBoard(tty.write);
  let t = 0;
  const sweep = createSweepProgress(4, { board, now: () => t });
  sweep.start(0, "train.factors=20");
  t += 10_000;
  sweep.start(1, "train.factors=50");
  assert.deepEqual(board.bars, ["sweep"]);
  assert.match(
    tty.screen.at(-1)!,
    /^sweep 2\/4 \[#{5}-{15}\] train\.factors=50 \(10\.0s, ETA 30\.0s\)$/,
  );
  sweep.end();
  assert.deepEqual(board.bars, []);
  const lines: string[] = [];
  const plain = createSweepProgress(2, { write: (l) => lines.push(l), now: () => 0 });
  plain.start(0, "a=1");
  assert.deepEqual(lines, ["\n=== sweep 1/2: a=1 ==="]);
});
