/**
 * The DAG: which stage produces each path, edges from producers to consumers,
 * topological order, cycle and missing-input detection, and the text and
 * Mermaid renderings for `--graph`.
 *
 * @module
 */
import type { Stage } from "./stage.ts";

/** A validated stage graph. */
export interface Graph {
  /** Stages in a topological order (dependencies first, declaration order kept). */
  readonly order: readonly Stage[];
  /** For each stage, the stages it depends on. */
  readonly upstream: ReadonlyMap<string, readonly string[]>;
  /** For each stage, the stages that depend on it. */
  readonly downstream: ReadonlyMap<string, readonly string[]>;
}

/** Error for an invalid graph (cycle, duplicate name or output, missing input). */
export class GraphError extends Error {
  override name = "GraphError";
}

function isWithin(path: string, parent: string): boolean {
  return path === parent || path.startsWith(parent.endsWith("/") ? parent : parent + "/");
}

/**
 * Builds the graph. A dep is satisfied by the stage whose out equals it or
 * contains it (an out folder `data/processed` satisfies the dep
 * `data/processed/ratings.parquet`). A dep nobody produces must be an existing
 * file, checked by `exists`.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { buildGraph } from "./graph.ts";
 * const s = (name: string, deps: string[], outs: string[]) => ({
 *   name, description: name, deps, outs, params: z.object({}), code: import.meta.url,
 *   run: async () => {},
 * });
 * const g = buildGraph([s("b", ["x"], ["y"]), s("a", [], ["x"])], () => false);
 * if (g.order.map((st) => st.name).join() !== "a,b") throw new Error("bad order");
 * ```
 */
export function buildGraph(stages: readonly Stage[], exists: (dep: string) => boolean): Graph {
  const byName = new Map<string, Stage>();
  const producer = new Map<string, string>();
  for (const stage of stages) {
    if (byName.has(stage.name)) throw new GraphError(`Duplicate stage name: "${stage.name}"`);
    byName.set(stage.name, stage);
    for (const out of stage.outs) {
      for (const [other, owner] of producer) {
        if (isWithin(out, other) || isWithin(other, out)) {
          throw new GraphError(
            `Stages "${owner}" and "${stage.name}" both write "${
              out === other ? out : `${other}" / "${out}`
            }": give each output one owner`,
          );
        }
      }
      producer.set(out, stage.name);
    }
  }
  const upstream = new Map<string, string[]>();
  const downstream = new Map<string, string[]>(stages.map((s) => [s.name, []]));
  for (const stage of stages) {
    const ups: string[] = [];
    for (const dep of stage.deps) {
      const owner = [...producer].find(([out]) => isWithin(dep, out) || isWithin(out, dep))?.[1];
      if (owner === undefined) {
        if (!exists(dep)) {
          throw new GraphError(
            `Stage "${stage.name}" needs "${dep}", but no stage produces it and the file does not exist`,
          );
        }
        continue;
      }
      if (owner === stage.name) {
        throw new GraphError(
          `Stage "${stage.name}" reads its own output "${dep}": that is a cycle`,
        );
      }
      if (!ups.includes(owner)) ups.push(owner);
    }
    upstream.set(stage.name, ups);
    for (const u of ups) downstream.get(u)!.push(stage.name);
  }
  // Kahn's algorithm, stable by declaration order.
  const indegree = new Map(stages.map((s) => [s.name, upstream.get(s.name)!.length]));
  const order: Stage[] = [];
  const ready = stages.filter((s) => indegree.get(s.name) === 0);
  while (ready.length > 0) {
    const next = ready.shift()!;
    order.push(next);
    for (const d of downstream.get(next.name)!) {
      const left = indegree.get(d)! - 1;
      indegree.set(d, left);
      if (left === 0) ready.push(byName.get(d)!);
    }
  }
  if (order.length !== stages.length) {
    const stuck = stages.filter((s) => !order.includes(s)).map((s) => s.name);
    throw new GraphError(`The stages form a cycle: ${findCycle(stuck, upstream).join(" -> ")}`);
  }
  return { order, upstream, downstream };
}

function findCycle(stuck: string[], upstream: Map<string, string[]>): string[] {
  const start = stuck[0]!;
  const path = [start];
  let current = start;
  for (;;) {
    const next = upstream.get(current)!.find((u) => stuck.includes(u))!;
    const seenAt = path.indexOf(next);
    if (seenAt >= 0) return [...path.slice(seenAt), next].reverse();
    path.push(next);
    current = next;
  }
}

/** Every stage downstream of `name` (not including it). */
export function descendants(graph: Graph, name: string): Set<string> {
  const out = new Set<string>();
  const stack = [...(graph.downstream.get(name) ?? [])];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (out.has(n)) continue;
    out.add(n);
    stack.push(...(graph.downstream.get(n) ?? []));
  }
  return out;
}

/** The graph as indented text, one stage per line with its inputs. */
export function graphText(graph: Graph): string {
  return graph.order.map((s) => {
    const ups = graph.upstream.get(s.name)!;
    const from = ups.length > 0 ? ` <- ${ups.join(", ")}` : "";
    const flag = s.always ? " (always runs)" : "";
    return `${s.name}${from}${flag}\n    ${s.description}\n    outs: ${s.outs.join(", ") || "-"}`;
  }).join("\n");
}

/** The graph as a Mermaid flowchart. */
export function graphMermaid(graph: Graph): string {
  const lines = ["flowchart TD"];
  for (const s of graph.order) lines.push(`  ${s.name.replaceAll("-", "_")}["${s.name}"]`);
  for (const s of graph.order) {
    for (const u of graph.upstream.get(s.name)!) {
      lines.push(`  ${u.replaceAll("-", "_")} --> ${s.name.replaceAll("-", "_")}`);
    }
  }
  return lines.join("\n");
}
