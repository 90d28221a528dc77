/**
 * The DAG runner: stage contract, graph, hashing, cache, lock file, params
 * and progress. Knows nothing of the ML.
 *
 * @module
 */
export * from "./stage.ts";
export * from "./graph.ts";
export * from "./runner.ts";
export * from "./params.ts";
export * from "./progress.ts";
export * from "./process_lock.ts";
export { hashFile, hashJson, hashPath, sha256 } from "./hash.ts";
export { CodeHasher, codeInputs, hashCode, hashCodeFiles } from "./code_hash.ts";
export { replacePath, writeFileAtomic, writeTextAtomic } from "../lib/atomic.ts";
export { type LockEntry, type LockFile, readLock } from "./lock_file.ts";
