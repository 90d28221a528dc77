/**
 * The index page's script: after the first paint it loads `index-data.js`
 * (and, for the curves chart, `curves-data.js`) beside the page, then draws
 * every live chart with Vega (SVG), tags each run's SVG element with
 * `data-run-id` and `class="datum-mark"`, and marks the chart
 * `data-rendered` (the event tests wait for). Script tags, not `fetch`, so
 * the report works from file:// with no server.
 *
 * @module
 */
import { INDEX_DATA_FILES } from "./index_data.ts";

/** The boot script's text (plain ES5, no imports). */
export function liveBootScript(): string {
  return _BOOT.replaceAll("$DATA_SCRIPT", INDEX_DATA_FILES.script)
    .replaceAll("$DATA_GLOBAL", INDEX_DATA_FILES.global)
    .replaceAll("$CURVES_SCRIPT", INDEX_DATA_FILES.curvesScript)
    .replaceAll("$CURVES_GLOBAL", INDEX_DATA_FILES.curvesGlobal);
}

const _BOOT = `(function () {
  function load(src, global, done) {
    if (window[global]) { done(window[global]); return; }
    var s = document.createElement("script");
    s.src = src;
    s.onload = function () { done(window[global]); };
    s.onerror = function () { done(undefined); };
    document.body.appendChild(s);
  }
  function key(k) { return k.replace(/[^A-Za-z0-9_]/g, "_"); }
  function hash(text) {
    var h = 0;
    for (var i = 0; i < text.length; i++) h = (h * 31 + text.charCodeAt(i)) >>> 0;
    return (h % 1000) / 1000;
  }
  var tip = document.createElement("div");
  tip.className = "vega-tip";
  tip.style.cssText = "position:fixed;pointer-events:none;background:#18202b;color:#fff;" +
    "font:12px/1.45 system-ui,sans-serif;padding:6px 9px;border-radius:6px;white-space:pre;" +
    "display:none;z-index:10;box-shadow:0 2px 8px rgba(0,0,0,.25)";
  function tooltip(handler, event, item, value) {
    if (value == null || value === "") { tip.style.display = "none"; return; }
    var lines = typeof value === "object"
      ? Object.keys(value).map(function (k) { return k + ": " + value[k]; })
      : [String(value)];
    tip.textContent = lines.join("\\n");
    tip.style.display = "block";
    tip.style.left = Math.min(event.clientX + 14, window.innerWidth - tip.offsetWidth - 8) + "px";
    tip.style.top = (event.clientY + 14) + "px";
  }
  function tag(node, name, seen) {
    if (node.marktype && node.name === name) {
      var items = node.items || [];
      if (node.marktype === "line" || node.marktype === "area") {
        var first = items[0];
        if (first && first._svg && first.datum) {
          first._svg.setAttribute("data-run-id", first.datum.runId);
          first._svg.classList.add("datum-mark");
          seen.n++;
        }
      } else {
        items.forEach(function (item) {
          if (item._svg && item.datum) {
            item._svg.setAttribute("data-run-id", item.datum.runId);
            item._svg.classList.add("datum-mark");
            seen.n++;
          }
        });
      }
      return;
    }
    (node.items || []).forEach(function (child) { tag(child, name, seen); });
  }
  function draw(fig, rows, signals, count) {
    var holder = fig.querySelector(".live-chart");
    var spec = JSON.parse(fig.querySelector(".live-spec").textContent);
    if (holder._view) holder._view.finalize();
    holder.removeAttribute("data-rendered");
    holder.textContent = "";
    if (rows.length === 0) {
      holder.innerHTML = '<p class="muted">No run has these values.</p>';
      fig.setAttribute("data-marks", "0");
      holder.setAttribute("data-rendered", "true");
      return;
    }
    var view = new vega.View(vega.parse(spec), { renderer: "svg", container: holder, hover: true });
    holder._view = view;
    view.tooltip(tooltip);
    view.data("rows", rows);
    Object.keys(signals || {}).forEach(function (s) { view.signal(s, signals[s]); });
    view.runAsync().then(function () {
      var seen = { n: 0 };
      tag(view.scenegraph().root, holder.getAttribute("data-mark"), seen);
      if (count !== null) fig.setAttribute("data-marks", String(count));
      holder.setAttribute("data-tagged", String(seen.n));
      holder.setAttribute("data-rendered", "true");
    }).catch(function (error) {
      holder.textContent = "Cannot draw the chart: " + error.message;
      holder.setAttribute("data-rendered", "error");
    });
  }
  function runRows(data) {
    return data.runs.filter(function (r) {
      return r.status === "FINISHED" && r.model && r.metrics.rmse;
    }).map(function (r) {
      var o = { runId: r.id, run: r.name, model: r.model, start: r.start, date: r.date + " UTC",
        href: r.href, best: r.best, jitter: hash(r.id), paramText: "" };
      var text = [];
      Object.keys(r.params).forEach(function (k) {
        var v = r.params[k];
        text.push(k + "=" + v);
        var n = Number(v);
        if (String(v).trim() !== "" && isFinite(n)) o["p_" + key(k)] = n;
      });
      o.paramText = text.join(" ");
      Object.keys(r.metrics).forEach(function (k) { o["m_" + key(k)] = r.metrics[k][0]; });
      return o;
    });
  }
  function scatter(fig, rows, data) {
    var xs = fig.querySelector('[data-role="x"]');
    var ys = fig.querySelector('[data-role="y"]');
    function update() {
      var x = "p_" + key(xs.value), y = "m_" + key(ys.value);
      var label = ys.options[ys.selectedIndex].text;
      var points = rows.filter(function (o) {
        return typeof o[x] === "number" && typeof o[y] === "number";
      }).map(function (o) {
        var p = {}; for (var k in o) p[k] = o[k];
        p.x = o[x]; p.y = o[y];
        return p;
      });
      draw(fig, points, { xTitle: xs.value, yTitle: label }, points.length);
    }
    xs.addEventListener("change", update);
    ys.addEventListener("change", update);
    update();
  }
  function curves(fig, rows) {
    var models = fig.querySelector('[data-role="model"]');
    var series = fig.querySelector('[data-role="series"]');
    var latest = fig.querySelector('[data-role="latest"]');
    load("$CURVES_SCRIPT", "$CURVES_GLOBAL", function (all) {
      if (!all) {
        fig.querySelector(".live-chart").textContent = "Cannot load $CURVES_SCRIPT beside the page.";
        return;
      }
      function update() {
        var slot = series.value === "training" ? 1 : 2;
        var n = Number(latest.value);
        var points = [], runs = 0;
        for (var i = 0; i < rows.length && runs < n; i++) {
          var r = rows[i];
          if (models.value && r.model !== models.value) continue;
          var c = all[r.runId];
          if (!c) continue;
          var kept = c.filter(function (e) { return e[slot] !== null; });
          if (kept.length === 0) continue;
          runs++;
          kept.forEach(function (e) {
            points.push({ runId: r.runId, run: r.run, model: r.model, best: r.best,
              epoch: e[0], loss: e[slot] });
          });
        }
        draw(fig, points, {}, runs);
      }
      models.addEventListener("change", update);
      series.addEventListener("change", update);
      latest.addEventListener("change", update);
      update();
    });
  }
  function start() {
    document.body.appendChild(tip);
    load("$DATA_SCRIPT", "$DATA_GLOBAL", function (data) {
      document.documentElement.setAttribute("data-report-data", data ? "loaded" : "missing");
      if (!data || typeof vega === "undefined") {
        Array.prototype.forEach.call(document.querySelectorAll(".live-chart"), function (h) {
          h.textContent = data ? "Cannot draw the chart: Vega did not load." :
            "Cannot load $DATA_SCRIPT beside the page.";
        });
        return;
      }
      window.dispatchEvent(new CustomEvent("report-data", { detail: data }));
      var rows = runRows(data);
      Array.prototype.forEach.call(document.querySelectorAll("figure.chart"), function (fig) {
        var holder = fig.querySelector(".live-chart");
        if (!holder) return;
        var kind = holder.getAttribute("data-kind");
        if (kind === "scatter") scatter(fig, rows, data);
        else if (kind === "curves") curves(fig, rows);
        else draw(fig, rows, {}, null);
      });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();`;
