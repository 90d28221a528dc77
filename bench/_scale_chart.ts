/**
 * The HTML page of the scale benchmark: one log-log chart per piece (cost in
 * seconds against ratings), with the fitted exponent of `cost = a n^b`. Plain
 * inline SVG, no script.
 *
 * @module
 */

/** One measured point: a piece at one data size. */
export interface ScalePoint {
  readonly piece: string;
  readonly ratings: number;
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

/**
 * Least-squares fit of `log y = log a + b log x`; `undefined` with fewer
 * than two distinct x.
 *
 * @example
 * ```ts
 * import { fitPowerLaw } from "./_scale_chart.ts";
 * const f = fitPowerLaw([1e5, 1e6, 1e7], [0.1, 1, 10]);
 * if (!f || Math.abs(f.exponent - 1) > 1e-9) throw new Error("expected exponent 1");
 * ```
 */
export function fitPowerLaw(
  xs: readonly number[],
  ys: readonly number[],
): { exponent: number; coefficient: number } | undefined {
  const pts = xs.map((x, i) => [Math.log(x), Math.log(ys[i]!)] as const).filter(([a, b]) =>
    Number.isFinite(a) && Number.isFinite(b)
  );
  if (new Set(pts.map((p) => p[0])).size < 2) return undefined;
  const n = pts.length;
  const mx = pts.reduce((s, p) => s + p[0], 0) / n, my = pts.reduce((s, p) => s + p[1], 0) / n;
  let sxy = 0, sxx = 0;
  for (const [a, b] of pts) (sxy += (a - mx) * (b - my)), (sxx += (a - mx) ** 2);
  const exponent = sxy / sxx;
  return { exponent, coefficient: Math.exp(my - exponent * mx) };
}

const esc = (s: string) =>
  s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);

/** One log-log chart of a piece's points. */
function chart(piece: string, points: readonly ScalePoint[]): string {
  const W = 360, H = 220, L = 56, R = 12, T = 28, B = 36;
  const xs = points.map((p) => p.ratings), ys = points.flatMap((p) => [p.min, p.max, p.median]);
  const lx0 = Math.floor(Math.log10(Math.min(...xs))), lx1 = Math.ceil(Math.log10(Math.max(...xs)));
  const pos = ys.filter((y) => y > 0);
  const ly0 = Math.floor(Math.log10(Math.min(...pos))),
    ly1 = Math.ceil(Math.log10(Math.max(...pos)));
  const sx = (x: number) => L + ((Math.log10(x) - lx0) / Math.max(1, lx1 - lx0)) * (W - L - R);
  const sy = (y: number) =>
    H - B - ((Math.log10(Math.max(y, 10 ** ly0)) - ly0) / Math.max(1, ly1 - ly0)) * (H - T - B);
  const fit = fitPowerLaw(points.map((p) => p.ratings), points.map((p) => p.median));
  const parts: string[] = [];
  for (let e = lx0; e <= lx1; e++) {
    parts.push(
      `<line x1="${sx(10 ** e)}" y1="${T}" x2="${sx(10 ** e)}" y2="${
        H - B
      }" stroke="#eee"/><text x="${sx(10 ** e)}" y="${
        H - B + 14
      }" font-size="10" text-anchor="middle">1e${e}</text>`,
    );
  }
  for (let e = ly0; e <= ly1; e++) {
    parts.push(
      `<line x1="${L}" y1="${sy(10 ** e)}" x2="${W - R}" y2="${
        sy(10 ** e)
      }" stroke="#eee"/><text x="${L - 4}" y="${
        sy(10 ** e) + 3
      }" font-size="10" text-anchor="end">${10 ** e} s</text>`,
    );
  }
  const sorted = [...points].sort((a, b) => a.ratings - b.ratings);
  if (fit && sorted.length > 1) {
    const a = sorted[0]!.ratings, b = sorted.at(-1)!.ratings;
    const f = (x: number) => fit.coefficient * x ** fit.exponent;
    parts.push(
      `<line x1="${sx(a)}" y1="${sy(f(a))}" x2="${sx(b)}" y2="${
        sy(f(b))
      }" stroke="#e67e22" stroke-dasharray="4 3"/>`,
    );
  }
  parts.push(
    `<polyline fill="none" stroke="#2c7fb8" stroke-width="1.5" points="${
      sorted.map((p) => `${sx(p.ratings)},${sy(p.median)}`).join(" ")
    }"/>`,
  );
  for (const p of sorted) {
    parts.push(
      `<line x1="${sx(p.ratings)}" y1="${sy(p.min)}" x2="${sx(p.ratings)}" y2="${
        sy(p.max)
      }" stroke="#2c7fb8"/><circle cx="${sx(p.ratings)}" cy="${
        sy(p.median)
      }" r="3" fill="#2c7fb8"><title>${p.ratings} ratings: median ${p.median.toFixed(3)} s (${
        p.min.toFixed(3)
      }-${p.max.toFixed(3)})</title></circle>`,
    );
  }
  const label = fit ? `exponent ${fit.exponent.toFixed(2)}` : "one size only";
  return `<figure><svg width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${
    esc(piece)
  }"><text x="${L}" y="16" font-size="12" font-weight="bold">${esc(piece)}</text><text x="${
    W - R
  }" y="16" font-size="11" text-anchor="end" fill="#e67e22">${label}</text>${
    parts.join("")
  }<text x="${(L + W - R) / 2}" y="${
    H - 6
  }" font-size="10" text-anchor="middle">ratings</text></svg></figure>`;
}

/**
 * The whole page: a chart per piece and a table of every point, with the
 * machine line and notes (what was not run) above.
 */
export function renderScalePage(
  points: readonly ScalePoint[],
  options: { machine: string; notes: readonly string[] },
): string {
  const pieces = [...new Set(points.map((p) => p.piece))];
  const rows = [...points].sort((a, b) => a.piece.localeCompare(b.piece) || a.ratings - b.ratings)
    .map((p) =>
      `<tr><td>${esc(p.piece)}</td><td>${p.ratings.toLocaleString("en")}</td><td>${
        p.median.toFixed(3)
      }</td><td>${p.min.toFixed(3)} - ${p.max.toFixed(3)}</td></tr>`
    ).join("");
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Scale benchmark</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:80em}figure{display:inline-block;margin:0 1em 1em 0}table{border-collapse:collapse}td,th{padding:2px 8px;border-bottom:1px solid #ddd;text-align:right}td:first-child,th:first-child{text-align:left}</style>
</head><body><h1>Scale benchmark</h1><p>${
    esc(options.machine)
  }</p><p>Cost (median seconds, bar = min to max) against the number of ratings, log-log; dashed: least-squares fit <code>cost = a n<sup>b</sup></code>, b shown as the exponent. Source data: <code>results.json</code>.</p>
<ul>${options.notes.map((n) => `<li>${esc(n)}</li>`).join("")}</ul>
${pieces.map((piece) => chart(piece, points.filter((p) => p.piece === piece))).join("\n")}
<table><thead><tr><th>piece</th><th>ratings</th><th>median s</th><th>range s</th></tr></thead><tbody>${rows}</tbody></table></body></html>
`;
}
