/**
 * A subset of MLflow's run search syntax, for `deno task runs list --filter`:
 * clauses joined by `and`, each `<entity>.<key> <op> <value>`.
 *
 * - entities: `params.`, `metrics.`, `tags.`, `attributes.` (`status`, `run_name`, `run_id`);
 *   a key may be back-quoted (``params.`train.factors` ``); a param key that is not
 *   found exactly matches the one param ending in `.<key>` (`params.factors`).
 * - operators: `=`, `!=`, `<`, `<=`, `>`, `>=`, `LIKE`, `ILIKE` (`%` wildcard).
 * - values: numbers, or strings in single or double quotes.
 *
 * Numbers compare as numbers (params are strings in MLflow: `params.factors = 100`
 * matches "100"); a run without the key never matches.
 *
 * @module
 */
import { latestMetric, type RunRecord } from "./types.ts";

type _Op = "=" | "!=" | "<" | "<=" | ">" | ">=" | "like" | "ilike";

interface _Clause {
  readonly entity: "params" | "metrics" | "tags" | "attributes";
  readonly key: string;
  readonly op: _Op;
  readonly value: string | number;
}

const _EXAMPLE = `e.g. "params.factors = 100 and metrics.rmse < 0.86"`;

function _fail(detail: string): never {
  throw new Error(`Cannot parse --filter: ${detail}; write clauses like ${_EXAMPLE}`);
}

function _parseClause(text: string): _Clause {
  const m =
    /^\s*(params|param|metrics|metric|tags|tag|attributes|attribute|attr)\.(`[^`]+`|"[^"]+"|[A-Za-z0-9_.\-:/]+?)\s*(<=|>=|!=|=|<|>|\s(?:i?like)\s)\s*(.+?)\s*$/i
      .exec(` ${text} `.slice(1));
  if (!m) _fail(`"${text.trim()}" is not <params|metrics|tags|attributes>.<key> <op> <value>`);
  const entityWord = m[1]!.toLowerCase();
  const entity = entityWord.startsWith("param")
    ? "params"
    : entityWord.startsWith("metric")
    ? "metrics"
    : entityWord.startsWith("tag")
    ? "tags"
    : "attributes";
  let key = m[2]!;
  if (/^[`"]/.test(key)) key = key.slice(1, -1);
  const op = m[3]!.trim().toLowerCase() as _Op;
  const raw = m[4]!;
  let value: string | number;
  if (/^'.*'$|^".*"$/.test(raw)) value = raw.slice(1, -1);
  else if (raw.trim() !== "" && Number.isFinite(Number(raw))) value = Number(raw);
  else _fail(`the value "${raw}" is neither a number nor a quoted string`);
  if (entity === "metrics" && typeof value !== "number") {
    _fail(`metrics.${key} compares with a number, not "${value}"`);
  }
  if ((op === "like" || op === "ilike") && typeof value !== "string") {
    _fail(`${op.toUpperCase()} needs a quoted pattern, e.g. tags.model LIKE 'biased%'`);
  }
  return { entity, key, op, value };
}

/** Splits on `and` outside quotes. */
function _clauses(text: string): string[] {
  const parts: string[] = [];
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === "'" || c === '"' || c === "`") quote = c;
    else if (/\s/.test(c) && /^\s+and\s+/i.test(text.slice(i))) {
      parts.push(text.slice(start, i));
      const skip = /^\s+and\s+/i.exec(text.slice(i))![0].length;
      i += skip - 1;
      start = i + 1;
    }
  }
  if (quote) _fail(`a ${quote} quote is not closed`);
  parts.push(text.slice(start));
  if (parts.some((p) => p.trim() === "")) _fail(`an "and" has nothing on one side`);
  if (/\s+or\s+/i.test(text.replace(/'[^']*'|"[^"]*"|`[^`]*`/g, ""))) {
    _fail(`"or" is not supported (MLflow's search has only "and")`);
  }
  return parts;
}

function _param(run: RunRecord, key: string): string | undefined {
  if (run.params[key] !== undefined) return run.params[key];
  const ends = Object.keys(run.params).filter((k) => k.endsWith(`.${key}`));
  return ends.length === 1 ? run.params[ends[0]!] : undefined;
}

function _attribute(run: RunRecord, key: string): string | number | undefined {
  switch (key.toLowerCase()) {
    case "status":
      return run.status;
    case "run_name":
    case "runname":
      return run.runName;
    case "run_id":
    case "runid":
      return run.runId;
    case "experiment":
      return run.experiment;
    case "start_time":
      return run.startTime;
    case "end_time":
      return run.endTime;
    default:
      return _fail(
        `attributes.${key} is not known; use status, run_name, run_id, start_time or end_time`,
      );
  }
}

function _like(value: string, pattern: string, ignoreCase: boolean): boolean {
  const re = new RegExp(
    `^${pattern.split("%").map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`,
    ignoreCase ? "i" : "",
  );
  return re.test(value);
}

function _compare(actual: string | number | undefined, clause: _Clause): boolean {
  if (actual === undefined) return false;
  const { op, value } = clause;
  if (op === "like" || op === "ilike") return _like(String(actual), String(value), op === "ilike");
  let a: string | number = actual;
  let b: string | number = value;
  if (typeof value === "number") {
    const n = Number(actual);
    if (String(actual).trim() === "" || !Number.isFinite(n)) return op === "!=";
    a = n;
  } else {
    a = String(actual);
    b = value;
  }
  switch (op) {
    case "=":
      return a === b;
    case "!=":
      return a !== b;
    case "<":
      return a < b;
    case "<=":
      return a <= b;
    case ">":
      return a > b;
    case ">=":
      return a >= b;
  }
}

/**
 * Parses a filter into a predicate over runs.
 *
 * @throws {Error} When the text is not in the supported syntax (the message says what to write).
 * @example
 * ```ts
 * import { parseRunFilter } from "./run_filter.ts";
 * const keep = parseRunFilter("params.factors = 100 and metrics.rmse < 0.86");
 * const run = {
 *   runId: "a", experiment: "e", runName: "svd", status: "FINISHED" as const, startTime: 0,
 *   params: { "train.factors": "100" }, metrics: { rmse: [{ value: 0.85, step: 0, timestamp: 0 }] },
 *   tags: {}, artifacts: [],
 * };
 * if (!keep(run)) throw new Error("should match");
 * ```
 */
export function parseRunFilter(text: string): (run: RunRecord) => boolean {
  if (text.trim() === "") return () => true;
  const clauses = _clauses(text).map(_parseClause);
  return (run) =>
    clauses.every((c) => {
      switch (c.entity) {
        case "params":
          return _compare(_param(run, c.key), c);
        case "metrics":
          return _compare(latestMetric(run, c.key), c);
        case "tags":
          return _compare(run.tags[c.key], c);
        case "attributes":
          return _compare(_attribute(run, c.key), c);
      }
    });
}
