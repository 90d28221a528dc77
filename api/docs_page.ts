/**
 * The interactive documentation page served at `/docs`: one self-contained
 * HTML file (inline CSS and script, no CDN) that reads `/openapi.json`, lists
 * every operation with its parameters, and lets the reader fill them in and
 * "try it" against the running server, showing status, body and a curl line.
 *
 * @module
 */
import { html, raw } from "hono/html";

const _STYLE = `
:root { color-scheme: light dark; --fg:#1b1f24; --muted:#57606a; --line:#d0d7de; --bg:#fff; --card:#f6f8fa;
  --get:#0969da; --post:#1a7f37; --err:#cf222e; }
@media (prefers-color-scheme: dark) { :root { --fg:#e6edf3; --muted:#8d96a0; --line:#30363d; --bg:#0d1117; --card:#161b22; } }
* { box-sizing: border-box; }
body { margin:0; font:15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color:var(--fg); background:var(--bg); }
header { padding:1.2rem 2rem; border-bottom:1px solid var(--line); display:flex; gap:2rem; align-items:center; flex-wrap:wrap; }
header h1 { font-size:1.3rem; margin:0; }
header p { margin:0; color:var(--muted); max-width:60ch; }
main { padding:1rem 2rem 4rem; max-width:1100px; }
h2 { text-transform:capitalize; font-size:1.05rem; margin:1.6rem 0 .6rem; color:var(--muted); }
details { border:1px solid var(--line); border-radius:8px; margin:.5rem 0; background:var(--card); }
summary { cursor:pointer; padding:.55rem .8rem; display:flex; gap:.8rem; align-items:baseline; }
.method { font:600 12px ui-monospace, monospace; text-transform:uppercase; color:#fff; border-radius:4px; padding:.1rem .45rem; min-width:3.4rem; text-align:center; }
.method.get { background:var(--get); } .method.post { background:var(--post); }
.path { font-family:ui-monospace, monospace; }
.sum { color:var(--muted); }
.body { padding:.2rem 1rem 1rem; border-top:1px solid var(--line); }
table { border-collapse:collapse; width:100%; margin:.4rem 0; }
td, th { text-align:left; padding:.3rem .4rem; border-bottom:1px solid var(--line); vertical-align:top; }
th { font-weight:600; color:var(--muted); font-size:13px; }
input, textarea { font:13px ui-monospace, monospace; width:100%; padding:.3rem .4rem; border:1px solid var(--line); border-radius:4px; background:var(--bg); color:var(--fg); }
textarea { min-height:8rem; }
button { font:inherit; padding:.35rem 1rem; border-radius:6px; border:1px solid var(--line); background:var(--get); color:#fff; cursor:pointer; }
pre { background:var(--bg); border:1px solid var(--line); border-radius:6px; padding:.6rem; overflow:auto; max-height:28rem; font-size:12.5px; }
.status { font-weight:600; } .status.bad { color:var(--err); }
.key { display:flex; gap:.5rem; align-items:center; } .key input { width:18rem; }
.muted { color:var(--muted); font-size:13px; }
`;

const _SCRIPT = `
"use strict";
const el = (tag, attrs = {}, ...kids) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v; else if (k.startsWith("on")) e.addEventListener(k.slice(2), v); else e.setAttribute(k, v);
  }
  for (const kid of kids) e.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
  return e;
};
const keyInput = document.getElementById("apikey");
keyInput.value = localStorage.getItem("movierec.apikey") || "";
keyInput.addEventListener("input", () => localStorage.setItem("movierec.apikey", keyInput.value));

function exampleBody(schema) {
  if (!schema || typeof schema !== "object") return null;
  if (schema.example !== undefined) return schema.example;
  if (schema.default !== undefined) return schema.default;
  if (schema.type === "object") {
    const out = {};
    for (const [k, s] of Object.entries(schema.properties || {})) if ((schema.required || []).includes(k)) out[k] = exampleBody(s);
    return out;
  }
  if (schema.type === "array") return [exampleBody(schema.items), exampleBody(schema.items)].filter((x) => x !== null);
  if (schema.type === "integer" || schema.type === "number") return 1;
  if (schema.type === "boolean") return true;
  if (schema.type === "string") return "";
  return null;
}

function renderOperation(path, method, op) {
  const inputs = {};
  const rows = (op.parameters || []).map((p) => {
    const input = el("input", { placeholder: p.example !== undefined ? String(p.example) : "", "aria-label": p.name });
    if (p.in === "path" && p.example !== undefined) input.value = String(p.example);
    inputs[p.name] = { input, param: p };
    return el("tr", {}, el("td", {}, el("code", {}, p.name), p.required ? " *" : ""), el("td", { class: "muted" }, p.in),
      el("td", {}, p.description || ""), el("td", {}, input));
  });
  let bodyInput = null;
  const bodySchema = op.requestBody && op.requestBody.content["application/json"].schema;
  if (bodySchema) {
    const ex = { ratings: [{ movieId: 1, rating: 5 }, { movieId: 260, rating: 4.5 }, { movieId: 1196, rating: 5 }], k: 10 };
    bodyInput = el("textarea", { "aria-label": "request body" });
    bodyInput.value = JSON.stringify(op.operationId === "recommendFromRatings" ? ex : exampleBody(bodySchema), null, 2);
  }
  const statusEl = el("span", { class: "status" });
  const out = el("pre", { hidden: "" });
  const curl = el("pre", { hidden: "" });
  async function tryIt() {
    let url = path;
    const query = new URLSearchParams();
    for (const [name, { input, param }] of Object.entries(inputs)) {
      const v = input.value.trim();
      if (param.in === "path") url = url.replace("{" + name + "}", encodeURIComponent(v || String(param.example ?? "")));
      else if (v !== "") query.set(name, v);
    }
    const qs = query.toString();
    const full = url + (qs ? "?" + qs : "");
    const headers = {};
    if (keyInput.value) headers["X-API-Key"] = keyInput.value;
    const init = { method: method.toUpperCase(), headers };
    if (bodyInput) { headers["Content-Type"] = "application/json"; init.body = bodyInput.value; }
    const started = performance.now();
    statusEl.textContent = "…";
    try {
      const res = await fetch(full, init);
      const text = await res.text();
      const ms = (performance.now() - started).toFixed(1);
      statusEl.textContent = res.status + " " + res.statusText + " · " + ms + " ms · " + (res.headers.get("content-type") || "");
      statusEl.className = "status" + (res.ok ? "" : " bad");
      let shown = text;
      try { shown = JSON.stringify(JSON.parse(text), null, 2); } catch { /* not JSON */ }
      out.textContent = shown;
      out.hidden = false;
    } catch (err) {
      statusEl.textContent = "Request failed: " + err;
      statusEl.className = "status bad";
    }
    const origin = location.origin;
    curl.textContent = "curl -s -X " + init.method + " '" + origin + full + "'" +
      Object.entries(headers).map(([k, v]) => " -H '" + k + ": " + v + "'").join("") +
      (init.body ? " -d '" + init.body.replace(/\\s+/g, " ") + "'" : "");
    curl.hidden = false;
  }
  const body = el("div", { class: "body" },
    op.description ? el("p", {}, op.description) : "",
    rows.length ? el("table", {}, el("tr", {}, el("th", {}, "name"), el("th", {}, "in"), el("th", {}, "description"), el("th", {}, "value")), ...rows) : el("p", { class: "muted" }, "No parameters."),
    bodyInput ? el("div", {}, el("p", { class: "muted" }, "JSON body"), bodyInput) : "",
    el("p", {}, el("button", { onclick: tryIt }, "Try it"), " ", statusEl),
    out, curl,
    el("p", { class: "muted" }, "Responses: " + Object.keys(op.responses).join(", ") + (op.security && op.security.length ? " · needs X-API-Key when keys are configured" : " · open")));
  return el("details", { id: op.operationId },
    el("summary", {}, el("span", { class: "method " + method }, method), el("span", { class: "path" }, path), el("span", { class: "sum" }, op.summary)),
    body);
}

(async () => {
  const main = document.querySelector("main");
  let spec;
  try {
    spec = await (await fetch(new URL(document.body.dataset.spec || "openapi.json", location.href))).json();
  } catch (err) {
    main.append(el("p", { class: "status bad" }, "Cannot load openapi.json: " + err));
    return;
  }
  document.getElementById("desc").textContent = spec.info.description;
  const byTag = new Map();
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const tag = (op.tags && op.tags[0]) || "other";
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag).push(renderOperation(path, method, op));
    }
  }
  for (const [tag, ops] of byTag) main.append(el("h2", {}, tag), ...ops);
  if (location.hash) { const d = document.getElementById(location.hash.slice(1)); if (d) d.open = true; }
})();
`;

/** Options of {@linkcode docsPage}. */
export interface DocsPageOptions {
  /** The page's title and heading. */
  readonly title: string;
  /** Where the page reads the OpenAPI document from. */
  readonly specUrl: string;
}

/**
 * The `/docs` page, rendered with `hono/html` (the title and the document URL
 * are escaped; the inline style and script are the page's own).
 *
 * @example
 * ```ts
 * import { docsPage } from "./docs_page.ts";
 * const page = docsPage({ title: "A <b> API", specUrl: "/openapi.json" });
 * if (!page.includes("A &lt;b&gt; API")) throw new Error("the title is escaped");
 * ```
 */
export function docsPage(options: DocsPageOptions): string {
  return html`
    <!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>${options.title} · docs</title>
        <style>${raw(_STYLE)}</style>
      </head>
      <body data-spec="${options.specUrl}">
        <header>
          <h1>${options.title}</h1>
          <p id="desc">Loading the OpenAPI document…</p>
          <label
            class="key">X-API-Key <input id="apikey" type="password" autocomplete="off" placeholder="only when keys are configured"></label>
        </header>
        <main></main>
        <script>${raw(_SCRIPT)}</script>
      </body>
    </html>
  `.toString();
}
