/**
 * Where each report page lives, relative to the report root, so pages link
 * to each other the same way the writer writes them.
 *
 * @module
 */

function _fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, "0");
}

/**
 * A file name for a run id: kept as is when it is made of `[A-Za-z0-9._-]`,
 * otherwise the other characters become `_` and a hash of the id is appended
 * so two ids never share a file.
 */
export function fileSafeId(runId: string): string {
  if (/^[A-Za-z0-9_-][A-Za-z0-9._-]*$/.test(runId)) return runId;
  return `${runId.replace(/[^A-Za-z0-9._-]/g, "_").replace(/^\./, "_")}-${_fnv1a(runId)}`;
}

/** Path of a run's page relative to the report root (`runs/<id>.html`). */
export function runPagePath(runId: string): string {
  return `runs/${fileSafeId(runId)}.html`;
}

/** Path of the compare page of two runs relative to the report root. */
export function comparePagePath(a: string, b: string): string {
  return `compare/${fileSafeId(a)}_vs_${fileSafeId(b)}.html`;
}
