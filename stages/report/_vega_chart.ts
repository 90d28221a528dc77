/**
 * Vega-Lite specs compiled and rendered by Vega to an SVG string at build
 * time. Items of the named data marks get `class="datum-mark"` and, when the
 * datum has a `runId` field, `data-run-id`.
 *
 * @module
 */
import * as vega from "vega";
import * as vl from "vega-lite";
import { escapeHtml } from "./_html.ts";

interface _SceneNode {
  marktype?: string;
  name?: string;
  items?: _SceneNode[];
  datum?: Record<string, unknown>;
}

/** Every scenegraph mark with this name, in drawing (and SVG) order. */
function _findMarks(node: _SceneNode, name: string, found: _SceneNode[] = []): _SceneNode[] {
  if (node.marktype !== undefined && node.name === name) {
    found.push(node);
    return found;
  }
  for (const item of node.items ?? []) _findMarks(item, name, found);
  return found;
}

/** Compiles a Vega-Lite spec to a Vega spec (throws on an invalid spec). */
export function compileVegaLite(spec: vl.TopLevelSpec): vega.Spec {
  return vl.compile(spec).spec as vega.Spec;
}

/**
 * Renders a Vega-Lite spec to SVG markup. `datumMarks` names the data marks
 * (`<unit name>_marks`) whose items are tagged.
 */
export async function renderVegaLite(
  spec: vl.TopLevelSpec,
  datumMarks: readonly string[] = [],
): Promise<string> {
  const view = new vega.View(vega.parse(compileVegaLite(spec)), { renderer: "none" });
  try {
    await view.runAsync();
    let svg = await view.toSVG();
    const root = (view.scenegraph() as unknown as { root: _SceneNode }).root;
    for (const name of datumMarks) {
      const marks = _findMarks(root, name);
      const open = new RegExp(`<g class="mark-[a-z]+ role-mark ${name}"[^>]*>`, "g");
      let out = "";
      let last = 0;
      let k = 0;
      for (const match of svg.matchAll(open)) {
        const start = match.index! + match[0].length;
        const end = svg.indexOf("</g>", start);
        const items = marks[k++]?.items ?? [];
        let i = 0;
        const body = svg.slice(start, end).replace(/<(path|rect|line|text)(?=[\s>/])/g, (tag) => {
          const runId = items[i++]?.datum?.runId;
          return typeof runId === "string"
            ? `${tag} class="datum-mark" data-run-id="${escapeHtml(runId)}"`
            : `${tag} class="datum-mark"`;
        });
        out += svg.slice(last, start) + body;
        last = end;
      }
      svg = out + svg.slice(last);
    }
    return svg;
  } finally {
    view.finalize();
  }
}
