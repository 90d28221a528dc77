/**
 * API key checks shared by the Hono app and the server's fast lane: keys are
 * compared as sha256 digests in constant time.
 *
 * @module
 */
import { createHash, timingSafeEqual } from "node:crypto";

/** The sha256 digest of a key. */
export function _hashKey(key: string): Buffer {
  return createHash("sha256").update(key).digest();
}

/** Index of the key among `hashes` (compared in constant time), or -1. */
export function _matchesAny(candidate: string | undefined, hashes: readonly Buffer[]): number {
  if (!candidate) return -1;
  const h = _hashKey(candidate);
  let found = -1;
  for (let i = 0; i < hashes.length; i++) if (timingSafeEqual(h, hashes[i]!)) found = i;
  return found;
}
