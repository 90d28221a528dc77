/**
 * Downloads a zip with progress and a bounded retry into `data/raw/`,
 * atomically, and reuses it when it is already there and intact.
 *
 * @module
 */
import { writeFileAtomic } from "../../lib/atomic.ts";
import { sha256 } from "../../dag/hash.ts";
import { redactUri } from "../../tracking/redactor.ts";
import type { Progress } from "../../dag/progress.ts";
import { formatCount } from "../../dag/progress.ts";

/** Options of {@linkcode fetchToFile}. */
export interface DownloadOptions {
  /** Expected sha256 (hex); a mismatch is an error and the file is not kept. */
  readonly sha256?: string;
  /** Attempts in all (default 3). */
  readonly attempts?: number;
  /** First backoff in ms, doubled each retry (default 500). */
  readonly backoffMs?: number;
  readonly progress?: Progress;
  readonly signal?: AbortSignal;
}

/** Thrown for a failed download or a checksum mismatch. */
export class DownloadError extends Error {
  override name = "DownloadError";
}

/** Throws when `data` does not have the expected sha256. */
export function verifySha256(data: Uint8Array, expected: string | undefined, what: string): void {
  if (!expected) return;
  const actual = sha256(data);
  if (actual !== expected.toLowerCase()) {
    throw new DownloadError(
      `Checksum mismatch for ${what}: sha256 is ${actual}, expected ${expected}; the file was not used (fix etl.sha256 or the source)`,
    );
  }
}

async function fetchOnce(url: string, options: DownloadOptions): Promise<Uint8Array> {
  const shown = redactUri(url);
  const response = await fetch(url, options.signal ? { signal: options.signal } : {});
  if (!response.ok || !response.body) {
    await response.body?.cancel();
    const error = new DownloadError(
      `Cannot download ${shown}: HTTP ${response.status} ${response.statusText}`,
    );
    (error as { retryable?: boolean }).retryable = response.status >= 500 ||
      response.status === 429;
    throw error;
  }
  const total = Number(response.headers.get("content-length") ?? 0);
  const chunks: Uint8Array[] = [];
  let received = 0;
  for await (const chunk of response.body) {
    chunks.push(chunk);
    received += chunk.length;
    if (total > 0) options.progress?.update(received, total, "bytes");
  }
  if (total > 0 && received !== total) {
    throw new DownloadError(
      `Cannot download ${shown}: connection closed after ${formatCount(received)} of ${
        formatCount(total)
      } bytes`,
    );
  }
  const out = new Uint8Array(received);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}

/**
 * Downloads `url` to `path` (atomically) with retries on network errors and
 * 5xx answers, then checks the sha256 when one is given. Returns the bytes.
 */
export async function fetchToFile(
  url: string,
  path: string,
  options: DownloadOptions = {},
): Promise<Uint8Array> {
  const attempts = options.attempts ?? 3;
  let delay = options.backoffMs ?? 500;
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      options.progress?.info(
        `downloading ${redactUri(url)}${attempt > 1 ? ` (attempt ${attempt}/${attempts})` : ""}`,
      );
      const data = await fetchOnce(url, options);
      verifySha256(data, options.sha256, redactUri(url));
      await writeFileAtomic(path, data);
      options.progress?.info(`saved ${formatCount(data.length)} bytes to ${path}`);
      return data;
    } catch (e) {
      lastError = e;
      const retryable = e instanceof TypeError ||
        (e as { retryable?: boolean }).retryable === true ||
        (e instanceof DownloadError && e.message.includes("connection closed"));
      if (!retryable || attempt === attempts || options.signal?.aborted) break;
      const cause = (e as { cause?: { message?: string } }).cause?.message;
      options.progress?.warn(
        scrubUrl(
          `${(e as Error).message}${cause ? ` (${cause})` : ""}; retrying in ${delay} ms`,
          url,
        ),
      );
      await new Promise((r) => setTimeout(r, delay));
      delay *= 2;
    }
  }
  if (lastError instanceof DownloadError) throw lastError;
  const error = lastError as Error & { cause?: { message?: string } };
  const cause = error?.cause?.message ? ` (${error.cause.message})` : "";
  throw new DownloadError(
    scrubUrl(
      `Cannot download ${url}: ${
        error?.message ?? lastError
      }${cause} after ${attempts} attempt(s); check the network, or pass --dataset with a local .zip path`,
      url,
    ),
  );
}

/**
 * `text` with every spelling of `url` (as given, as the runtime normalises it,
 * without its user info) replaced by the redacted URL, so a password or token
 * never reaches a message, even inside an error's cause.
 */
export function scrubUrl(text: string, url: string): string {
  const shown = redactUri(url);
  const spellings = new Set([url]);
  try {
    const parsed = new URL(url);
    spellings.add(parsed.href);
    parsed.username = "";
    parsed.password = "";
    spellings.add(parsed.href);
  } catch { /* not a URL: only the text as given */ }
  let out = text;
  for (const s of [...spellings].sort((a, b) => b.length - a.length)) {
    out = out.replaceAll(s, shown);
  }
  return out;
}
