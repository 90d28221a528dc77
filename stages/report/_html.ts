/**
 * Escaping for the three places report text lands: HTML text, HTML attribute
 * values and JSON inside `<script>`; plus a guard for link targets.
 *
 * @module
 */

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Escapes text for HTML content and (double- or single-quoted) attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value ?? "").replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/**
 * Serialises a value as JSON that is safe inside an inline `<script>`:
 * `<`, `>`, `&` and the JS line separators are written as `\uXXXX` escapes, so
 * no string can close the script element or open a comment.
 */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value ?? null).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/**
 * Returns the URL if it is relative or http(s)/file, else `#`: a link target
 * read from a run (MLflow URL, notebook link) can never run script.
 */
export function safeUrl(url: string | undefined): string {
  if (!url) return "#";
  const trimmed = url.trim();
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(trimmed);
  if (scheme && !/^(https?|file)$/i.test(scheme[1]!)) return "#";
  return trimmed;
}
