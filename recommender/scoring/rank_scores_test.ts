import assert from "node:assert/strict";
import { rankScores } from "./rank_scores.ts";
import { TopK } from "./top_k.ts";
import { Prng } from "../core/prng.ts";

/** The reference: a full sort of the kept positions by (score desc, position asc). */
function fullSort(
  scores: Float32Array,
  keep: (i: number) => boolean,
  k: number,
): number[] {
  return Array.from(scores.keys()).filter((i) => keep(i) && !Number.isNaN(scores[i]!))
    .sort((a, b) => scores[b]! - scores[a]! || a - b).slice(0, k);
}

Deno.test("rankScores() equals a full sort with skips, a bitmap and a filter", () => {
  const rng = new Prng(3);
  const top = new TopK();
  for (let round = 0; round < 50; round++) {
    const n = 1 + rng.below(300);
    // coarse scores: many ties
    const scores = Float32Array.from({ length: n }, () => rng.below(20) / 4);
    if (n > 3) scores[rng.below(n)] = NaN;
    const itemIds = Int32Array.from({ length: n }, (_, i) => 100 + 3 * i);
    const skip = Int32Array.from({ length: rng.below(20) }, () => rng.below(n + 5) - 2).sort();
    const allow = Uint8Array.from({ length: n }, () => (rng.next() < 0.8 ? 1 : 0));
    const filter = (id: number) => id % 7 !== 0;
    const k = rng.below(30);
    const skipped = new Set(skip);
    const got = rankScores(scores, top, { k, itemIds, skip, allow, filter });
    const want = fullSort(
      scores,
      (i) => !skipped.has(i) && allow[i] === 1 && filter(itemIds[i]!),
      k,
    );
    assert.deepEqual(got.map((x) => x.movieId), want.map((i) => itemIds[i]!), `round ${round}`);
    assert.deepEqual(got.map((x) => x.score), want.map((i) => scores[i]!));
  }
});

Deno.test("rankScores() clips only the returned scores and rejects a short buffer", () => {
  const itemIds = Int32Array.of(1, 2, 3);
  const got = rankScores(Float32Array.of(5.5, 6, 0.25), new TopK(), {
    k: 3,
    itemIds,
    clip: [0.5, 5],
  });
  assert.deepEqual(got, [
    { movieId: 2, score: 5 },
    { movieId: 1, score: 5 },
    { movieId: 3, score: 0.5 },
  ]);
  assert.throws(
    () => rankScores(new Float32Array(2), new TopK(), { k: 1, itemIds }),
    /score buffer holds 2 values, need 3/,
  );
});

Deno.test("rankScores() leaves out positions below minCount and needs the counts for it", () => {
  const rng = new Prng(9);
  const top = new TopK();
  for (let round = 0; round < 30; round++) {
    const n = 1 + rng.below(200);
    const scores = Float32Array.from({ length: n }, () => rng.below(10) / 2);
    const itemIds = Int32Array.from({ length: n }, (_, i) => 1 + 2 * i);
    const counts = Int32Array.from({ length: n }, () => rng.below(60));
    const minCount = rng.below(50);
    const k = rng.below(25);
    const got = rankScores(scores, top, { k, itemIds, counts, minCount });
    const want = fullSort(scores, (i) => counts[i]! >= minCount, k);
    assert.deepEqual(got.map((x) => x.movieId), want.map((i) => itemIds[i]!));
  }
  const scores = Float32Array.of(1, 2);
  const itemIds = Int32Array.of(5, 6);
  assert.throws(
    () => rankScores(scores, top, { k: 1, itemIds, minCount: 3 }),
    /counts holds 0 values, need 2/,
  );
  // minCount 0 ignores the counts
  assert.equal(rankScores(scores, top, { k: 1, itemIds, minCount: 0 })[0]!.movieId, 6);
});
