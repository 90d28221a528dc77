/**
 * Token-bucket rate limiting per client key (the API key when one is sent,
 * else the client address). Each client gets `burst` tokens that refill at
 * `perSecond`; a request takes one token or is refused with the number of
 * seconds until one is available (the `Retry-After` value).
 *
 * @module
 */

/** Settings of a {@linkcode RateLimiter}. */
export interface RateLimitOptions {
  /** Sustained requests per second per client. */
  readonly perSecond: number;
  /** Bucket size: requests a client may make at once. */
  readonly burst: number;
  /** Most clients tracked; the least recently seen are forgotten beyond it. */
  readonly maxClients?: number;
  /** Clock in milliseconds (tests pass their own). */
  readonly now?: () => number;
}

/** What {@linkcode RateLimiter.take} decided. */
export interface RateDecision {
  readonly allowed: boolean;
  /** Whole tokens left after this request. */
  readonly remaining: number;
  /** Seconds until the next token (0 when allowed). */
  readonly retryAfterSeconds: number;
}

/**
 * Per-client token buckets.
 *
 * @example
 * ```ts
 * import { RateLimiter } from "./rate_limiter.ts";
 * let t = 0;
 * const limiter = new RateLimiter({ perSecond: 1, burst: 2, now: () => t });
 * limiter.take("a"); limiter.take("a");
 * if (limiter.take("a").allowed) throw new Error("third request should be refused");
 * t = 1000;
 * if (!limiter.take("a").allowed) throw new Error("a token should have refilled");
 * ```
 */
export class RateLimiter {
  readonly #perMs: number;
  readonly #burst: number;
  readonly #maxClients: number;
  readonly #now: () => number;
  // Map keeps insertion order: re-inserting on use makes the first entry the least recent.
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  /** Makes a limiter; throws on a non-positive rate or burst. */
  constructor(options: RateLimitOptions) {
    if (!(options.perSecond > 0) || !(options.burst >= 1)) {
      throw new RangeError(
        `Cannot build rate limiter: perSecond must be > 0 and burst >= 1, got ${options.perSecond} and ${options.burst}`,
      );
    }
    this.#perMs = options.perSecond / 1000;
    this.#burst = options.burst;
    this.#maxClients = options.maxClients ?? 100_000;
    this.#now = options.now ?? Date.now;
  }

  /** Takes one token for `client`. */
  take(client: string): RateDecision {
    const now = this.#now();
    let bucket = this.#buckets.get(client);
    if (bucket === undefined) {
      bucket = { tokens: this.#burst, at: now };
      if (this.#buckets.size >= this.#maxClients) {
        const oldest = this.#buckets.keys().next().value;
        if (oldest !== undefined) this.#buckets.delete(oldest);
      }
    } else {
      this.#buckets.delete(client);
      bucket.tokens = Math.min(this.#burst, bucket.tokens + (now - bucket.at) * this.#perMs);
      bucket.at = now;
    }
    this.#buckets.set(client, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true, remaining: Math.floor(bucket.tokens), retryAfterSeconds: 0 };
    }
    const waitMs = (1 - bucket.tokens) / this.#perMs;
    return {
      allowed: false,
      remaining: 0,
      retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)),
    };
  }
}

/**
 * Parses a rate spec like `100/s`, `600/min` or `20/s,burst=40`.
 * Returns null for `off`/empty.
 */
export function parseRateSpec(
  spec: string | undefined,
): { perSecond: number; burst: number } | null {
  if (spec === undefined) return null;
  const s = spec.trim().toLowerCase();
  if (s === "" || s === "off" || s === "0") return null;
  const m =
    /^(\d+(?:\.\d+)?)\s*\/\s*(s|sec|second|m|min|minute|h|hour)(?:\s*,\s*burst\s*=\s*(\d+))?$/
      .exec(s);
  if (!m) {
    throw new Error(
      `Cannot read RATE_LIMIT: "${spec}" is not a rate: write e.g. 100/s, 600/min or 20/s,burst=40, or off`,
    );
  }
  const n = Number(m[1]);
  const unit = m[2]!;
  const perSecond = unit.startsWith("h") ? n / 3600 : unit.startsWith("m") ? n / 60 : n;
  const burst = m[3] ? Number(m[3]) : Math.max(1, Math.ceil(n));
  if (!(perSecond > 0)) {
    throw new Error(`Cannot read RATE_LIMIT: "${spec}" must allow more than 0 requests`);
  }
  return { perSecond, burst };
}
