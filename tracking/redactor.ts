/**
 * Keeps secrets (MLflow tokens, passwords in URIs) out of logs, error messages
 * and run records.
 *
 * @module
 */
import { basicCredentials } from "./_basic_auth.ts";

const MASK = "***";
const SECRET_QUERY_KEYS = /token|secret|password|passwd|pwd|key|auth|signature|credential/i;

/**
 * Replaces every known secret in a text by `***`.
 *
 * @example
 * ```ts
 * import { Redactor } from "./redactor.ts";
 * const r = new Redactor(["s3cret"]);
 * if (r.text("token=s3cret") !== "token=***") throw new Error("not redacted");
 * ```
 */
export class Redactor {
  readonly #secrets: string[];

  /** Secrets shorter than 3 characters are ignored (they would mask ordinary text). */
  constructor(secrets: Iterable<string | undefined> = []) {
    const kept = new Set<string>();
    for (const s of secrets) {
      if (s && s.length >= 3) {
        kept.add(s);
        const encoded = encodeURIComponent(s);
        if (encoded !== s) kept.add(encoded);
      }
    }
    // Longest first so a secret containing another is masked whole.
    this.#secrets = [...kept].sort((a, b) => b.length - a.length);
  }

  /** The secrets of an MLflow environment: token, password, and the URI's userinfo. */
  static fromEnv(env: Readonly<Record<string, string | undefined>>): Redactor {
    const secrets: (string | undefined)[] = [
      env.MLFLOW_TRACKING_TOKEN,
      env.MLFLOW_TRACKING_PASSWORD,
    ];
    const uri = env.MLFLOW_TRACKING_URI;
    if (env.MLFLOW_TRACKING_USERNAME && env.MLFLOW_TRACKING_PASSWORD) {
      secrets.push(basicCredentials(env.MLFLOW_TRACKING_USERNAME, env.MLFLOW_TRACKING_PASSWORD));
    }
    if (uri) {
      try {
        const url = new URL(uri);
        if (url.password) {
          const password = decodeURIComponent(url.password);
          secrets.push(
            url.password,
            password,
            basicCredentials(decodeURIComponent(url.username), password),
          );
        }
        for (const [k, v] of url.searchParams) if (SECRET_QUERY_KEYS.test(k)) secrets.push(v);
      } catch {
        // Not a URL: mask what looks like userinfo (`scheme://user:pass@host`).
        const m = /^[a-z][a-z0-9+.-]*:\/\/[^/@:]*:([^/@]*)@/i.exec(uri);
        if (m?.[1]) secrets.push(m[1]);
      }
    }
    return new Redactor(secrets);
  }

  /** `text` with every secret replaced by `***`. */
  text(text: string): string {
    let out = text;
    for (const s of this.#secrets) out = out.replaceAll(s, MASK);
    return out;
  }

  /** True if `text` contains a secret. */
  contains(text: string): boolean {
    return this.#secrets.some((s) => text.includes(s));
  }
}

/**
 * A URI safe to print: the password (and secret-looking query values) become
 * `***`; text that is not a URI has its userinfo masked.
 *
 * @example
 * ```ts
 * import { redactUri } from "./redactor.ts";
 * const safe = redactUri("http://bob:hunter2@mlflow:5000");
 * if (safe !== "http://bob:***@mlflow:5000") throw new Error(safe);
 * ```
 */
export function redactUri(uri: string): string {
  // Rewrite the text itself (not a re-serialised URL) so the user sees what they wrote.
  return uri
    .replace(/^([a-z][a-z0-9+.-]*:\/\/[^/@:?#]*:)[^/?#]*@/i, `$1${MASK}@`)
    .replace(/^([a-z][a-z0-9+.-]*:\/\/)([^/@:?#]+)@/i, (m, scheme: string, user: string) =>
      // `token@host`: a lone userinfo is usually a token.
      user.length >= 16 ? `${scheme}${MASK}@` : m)
    .replace(
      /([?&#;]([^=&#]*)=)([^&#]*)/g,
      (m, head: string, key: string) => SECRET_QUERY_KEYS.test(key) ? `${head}${MASK}` : m,
    );
}
