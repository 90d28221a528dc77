/**
 * Benchmark of `svd`'s WebAssembly SIMD kernels: fit seconds of `svd`
 * (default config) with the JS loops (the reference, the code before the
 * kernels) and with the kernels, alternating in one process on the same
 * data (ml-latest-small, or `syntheticRatings(n)`), with the load average
 * at each fit, the medians, and whether both saved the same model bytes.
 *
 * Run: `deno run -A bench/svd_simd_bench.ts [n] [reps] [order]`, `n` 0 for
 * ml-latest-small (default), `reps` rounds (default 3), `order` the kernels
 * of a round (default `js,wasm`). Prints one JSON line per fit and a summary.
 *
 * @module
 */
import { TruncatedSVD } from "../recommender/models/truncated_svd.ts";
import { _loadMovieLensSmall } from "../recommender/core/_test_data.ts";
import { syntheticRatings } from "./_synthetic_size.ts";

const n = Number(Deno.args[0] ?? 0);
const reps = Number(Deno.args[1] ?? 3);
const order = (Deno.args[2] ?? "js,wasm").split(",") as ("js" | "wasm")[];
const train = n > 0 ? syntheticRatings(n).ratings : _loadMovieLensSmall();
const loadavg = () => Deno.readTextFileSync("/proc/loadavg").trim();

const times: Record<"js" | "wasm", number[]> = { js: [], wasm: [] };
const data: Partial<Record<"js" | "wasm", Uint8Array>> = {};
for (let i = 0; i < reps; i++) {
  for (const kernel of order) {
    const m = new TruncatedSVD();
    m._kernel = kernel;
    const load = loadavg().split(" ")[0];
    const t0 = performance.now();
    m.fit(train);
    const seconds = (performance.now() - t0) / 1000;
    times[kernel].push(seconds);
    if (i === 0) data[kernel] = (await m.save()).data;
    console.log(JSON.stringify({ n: train.rating.length, rep: i, kernel, seconds, load }));
  }
}

function median(a: number[]): number {
  const b = [...a].sort((x, y) => x - y);
  return b.length ? b[(b.length - 1) >> 1]! : NaN;
}

const { js, wasm } = data;
const bytesIdentical = js && wasm
  ? js.length === wasm.length && js.every((b, i) => b === wasm[i])
  : null;
console.log(JSON.stringify({
  n: train.rating.length,
  medianJs: median(times.js),
  medianWasm: median(times.wasm),
  bytesIdentical,
  load: loadavg(),
}));
