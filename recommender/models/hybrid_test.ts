import assert from "node:assert/strict";
import { Hybrid } from "./hybrid.ts";
import { acceptsContent, movieContent } from "../core/movie_content.ts";
import { loadModel } from "./model_registry.ts";
import { ratingsFromColumns } from "../core/ratings.ts";
import { Prng } from "../core/prng.ts";

/**
 * 40 users, 60 movies of two genres; half the users love genre A and dislike
 * genre B, the other half the opposite. Movies 50..59 get no training ratings.
 */
function fixture() {
  const rng = new Prng(9);
  const movieIds = Array.from({ length: 60 }, (_, j) => 1000 + j);
  const isA = movieIds.map((_, j) => j % 2);
  const content = movieContent({
    movieId: movieIds,
    genres: { genre_a: isA, genre_b: isA.map((x) => 1 - x) },
  });
  const truth = (u: number, j: number) => (u % 2 === isA[j] ? 4.5 : 1.5);
  const u: number[] = [], m: number[] = [], r: number[] = [];
  const tu: number[] = [], tm: number[] = [], tr: number[] = [];
  for (let a = 0; a < 40; a++) {
    for (let j = 0; j < 60; j++) {
      if (j >= 50) {
        tu.push(a + 1);
        tm.push(movieIds[j]!);
        tr.push(truth(a, j));
      } else if (rng.next() < 0.5) {
        u.push(a + 1);
        m.push(movieIds[j]!);
        r.push(truth(a, j) + (rng.next() - 0.5) * 0.5);
      }
    }
  }
  return {
    content,
    train: ratingsFromColumns({ userId: u, movieId: m, rating: r }),
    coldTest: ratingsFromColumns({ userId: tu, movieId: tm, rating: tr }),
  };
}

Deno.test("hybrid: predicts movies without ratings from their content, far better than the mean", () => {
  const { content, train, coldTest } = fixture();
  const m = new Hybrid({ factors: 4, epochs: 80, contentLearningRate: 0.02 });
  assert.ok(acceptsContent(m));
  m.useContent(content);
  m.fit(train);
  const mean = train.rating.reduce((a, b) => a + b, 0) / train.rating.length;
  let se = 0, seMean = 0;
  for (let e = 0; e < coldTest.rating.length; e++) {
    const p = m.predict(coldTest.userId[e]!, coldTest.movieId[e]!);
    assert.equal(p.scorer, "model");
    se += (p.rating - coldTest.rating[e]!) ** 2;
    seMean += (mean - coldTest.rating[e]!) ** 2;
  }
  const rmse = Math.sqrt(se / coldTest.rating.length);
  const rmseMean = Math.sqrt(seMean / coldTest.rating.length);
  assert.ok(rmse < 0.5 * rmseMean, `hybrid ${rmse} vs mean ${rmseMean}`);
  // a cold movie can be recommended
  const recs = m.recommend(2, 60);
  assert.ok(recs.ok && recs.items.some((x) => x.movieId >= 1050));
});

Deno.test("hybrid: without content it is biased MF and does not know unseen movies", () => {
  const { train } = fixture();
  const m = new Hybrid({ factors: 4, epochs: 5 });
  m.fit(train);
  assert.equal(m.predict(1, 1055).scorer, "baseline");
});

Deno.test("hybrid: save/load keeps the content-based predictions of unseen movies", async () => {
  const { content, train } = fixture();
  const m = new Hybrid({ factors: 4, epochs: 10 });
  m.useContent(content);
  m.fit(train);
  const copy = loadModel(structuredClone(await m.save()));
  assert.deepEqual(copy.predict(3, 1055), m.predict(3, 1055));
  assert.equal(copy.predict(3, 1055).scorer, "model");
});
