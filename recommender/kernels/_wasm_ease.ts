/**
 * A WebAssembly SIMD kernel of the primal EASE score: the sum of the weight
 * rows of a user's items, four weights per step, with the same float64 adds
 * in the same order as the JS loop of `models/ease.ts` (the same bits). Its
 * source is `wasm/ease_rows.wat` (compiled into `wasm/_kernels.ts` by
 * `deno task wasm`). {@linkcode _EaseRows} holds a copy of the weights in
 * kernel memory.
 *
 * {@linkcode _EaseBatch} scores many users per pass over the weights (the
 * evaluation's ranking): column block by column block, every user of the
 * batch sums its rows' chunks of the block, so the chunks the users share are
 * read from memory once per block instead of once per user (at 25M, B is
 * 8,000 x 8,000 float32, 256 MB, and a user sums ~100 rows of 32 KB). Each
 * score is the same sum in the same order as `rows` (the same bits), kept in
 * registers instead of an accumulator in memory, and the scores stay in
 * kernel memory for `batch_scores.wat`'s `above` (the ranking's bar test).
 *
 * @module
 */
import { _kernelBytes, _lazyModule } from "./_wasm_module.ts";
import { _HITS } from "./_batch_scorer.ts";
import type { _BatchScores } from "../scoring/_raw_scoring.ts";

/** The module's bytes (exported for the validity test). */
export function _easeRowsBytes(): Uint8Array<ArrayBuffer> {
  return _kernelBytes("ease_rows");
}

const _module = _lazyModule("ease_rows");
const _aboveModule = _lazyModule("batch_scores");

type _RowsFn = (acc: number, b: number, cols: number, nCols: number, nC: number) => void;

type _BlockFn = (
  acc: number,
  b: number,
  cols: number,
  nCols: number,
  nC: number,
  j0: number,
  len: number,
  kept: number,
  out: number,
) => void;

type _AboveFn = (
  s: number,
  from: number,
  to: number,
  bar: number,
  hits: number,
  cap: number,
) => number;

/**
 * Users {@linkcode _EaseBatch} scores per pass by default. Measured at 5M
 * ratings (32k users, 8,000 kept movies; `reports/bench/evaluate.md`, "ease
 * batched"): one user per pass ranks faster than 16 with blocks of 2,048
 * columns, since the users share too few rows for the blocks to save memory
 * traffic and a user's scores are still in the cache when the ranking reads them.
 */
export const _EASE_BATCH = 1;

/**
 * Columns per block of {@linkcode _EaseBatch} by default: 8,192, so that the
 * default budget (`maxDenseSide` 8,000) is one block (see {@linkcode _EASE_BATCH}).
 */
export const _EASE_BLOCK = 8192;

const _align = (x: number) => (x + 15) & ~15;

/**
 * True when every row of the CSR holds strictly ascending columns below nC:
 * the merged order of {@linkcode _EaseBatch} is then each user's own order.
 */
function _ascending(indptr: Int32Array, indices: Int32Array, nC: number): boolean {
  for (let r = 0; r + 1 < indptr.length; r++) {
    for (let p = indptr[r]!; p < indptr[r + 1]!; p++) {
      const c = indices[p]!;
      if (!(c >= 0 && c < nC) || (p > indptr[r]! && !(c > indices[p - 1]!))) return false;
    }
  }
  return true;
}

/** Largest kernel memory (bytes) this asks for: 32-bit addresses. */
const _MAX_BYTES = 2 ** 32 - 2 ** 16;

/** The primal weights in kernel memory, and the score of one user's rows. */
export class _EaseRows {
  readonly #memory: WebAssembly.Memory;
  readonly #instance: WebAssembly.Instance;
  readonly #rows: _RowsFn;
  readonly #nC: number;
  #acc: Float64Array;
  #cols: Int32Array;
  readonly #accPtr: number;
  readonly #colsPtr: number;
  readonly #bPtr: number;
  #batch: _EaseBatch | null = null;

  private constructor(memory: WebAssembly.Memory, instance: WebAssembly.Instance, nC: number) {
    this.#memory = memory;
    this.#instance = instance;
    this.#rows = instance.exports.rows as _RowsFn;
    this.#nC = nC;
    this.#accPtr = 0;
    this.#colsPtr = nC * 8;
    this.#bPtr = this.#colsPtr + nC * 4;
    this.#acc = new Float64Array(memory.buffer, this.#accPtr, nC);
    this.#cols = new Int32Array(memory.buffer, this.#colsPtr, nC);
  }

  /**
   * Copies the row-major `nC x nC` weights `B` into kernel memory; null when
   * the runtime has no WebAssembly SIMD or the weights do not fit 32-bit
   * addresses (the caller then scores in JS).
   */
  static create(B: Float32Array, nC: number): _EaseRows | null {
    if (B.length !== nC * nC) {
      throw new RangeError(`Cannot score ease: ${B.length} weights for a ${nC} x ${nC} matrix`);
    }
    const module = _module();
    const bytes = nC * 8 + nC * 4 + nC * nC * 4;
    if (module === null || bytes > _MAX_BYTES) return null;
    let memory: WebAssembly.Memory;
    try {
      memory = new WebAssembly.Memory({ initial: Math.ceil(bytes / 65536) });
    } catch {
      return null; // no room for it: the JS loop needs no copy
    }
    const instance = new WebAssembly.Instance(module, { env: { mem: memory } });
    const k = new _EaseRows(memory, instance, nC);
    new Float32Array(memory.buffer, k.#bPtr, nC * nC).set(B);
    return k;
  }

  /**
   * `acc[j] = sum_c B[cols[c]][j]` for every column j; returns a view of the
   * kernel's accumulator (valid until the next call). `cols` holds at most
   * nC row numbers below nC.
   */
  rows(cols: Int32Array): Float64Array {
    if (cols.length > this.#nC) {
      throw new RangeError(`Cannot score ease: ${cols.length} rows, at most ${this.#nC}`);
    }
    if (this.#acc.buffer !== this.#memory.buffer) {
      // the memory grew for a batch scorer: new views of the same bytes
      this.#acc = new Float64Array(this.#memory.buffer, this.#accPtr, this.#nC);
      this.#cols = new Int32Array(this.#memory.buffer, this.#colsPtr, this.#nC);
    }
    this.#cols.set(cols);
    this.#rows(this.#accPtr, this.#bPtr, this.#colsPtr, cols.length, this.#nC);
    return this.#acc;
  }

  /**
   * The batch scorer over these weights (made on the first call, in the same
   * memory: the weights are not copied again): scores at the dense positions
   * `kept` (ascending, below `nItems`) of the users of the binary CSR
   * `indptr`/`indices` (their rows of B, each below nC). Null when the
   * memory cannot grow for it (the caller scores one user at a time).
   */
  batch(
    options: {
      readonly kept: Int32Array;
      readonly nItems: number;
      readonly indptr: Int32Array;
      readonly indices: Int32Array;
      /** Users per pass, at most (default {@linkcode _EASE_BATCH}). */
      readonly users?: number;
      /** Columns per block (default {@linkcode _EASE_BLOCK}). */
      readonly columnsPerBlock?: number;
    },
  ): _EaseBatch | null {
    const users = options.users ?? _EASE_BATCH, block = options.columnsPerBlock ?? _EASE_BLOCK;
    if (!(Number.isInteger(users) && users >= 1) || !(Number.isInteger(block) && block >= 1)) {
      throw new RangeError(
        `Cannot score ease: ${users} users and ${block} columns per pass, expected positive integers`,
      );
    }
    const made = this.#batch;
    if (made !== null && made.maxUsers === users && made.columnsPerBlock === block) return made;
    const { kept, nItems } = options;
    const nC = this.#nC;
    if (kept.length !== nC) {
      throw new RangeError(`Cannot score ease: ${kept.length} kept items for ${nC} columns`);
    }
    const above = _aboveModule();
    if (above === null || !_ascending(options.indptr, options.indices, nC)) return null;
    const np = (nItems + 3) & ~3;
    const accPtr = _align(this.#memory.buffer.byteLength);
    const keptPtr = _align(accPtr + Math.min(block, nC) * 8);
    const colsPtr = _align(keptPtr + nC * 4);
    const outPtr = _align(colsPtr + users * nC * 4);
    const hitsPtr = _align(outPtr + users * np * 4);
    const bytes = _align(hitsPtr + (_HITS + 16 + 1) * 4);
    if (bytes > _MAX_BYTES) return null;
    try {
      this.#memory.grow(Math.ceil((bytes - this.#memory.buffer.byteLength) / 65536));
    } catch {
      return null;
    }
    const aboveFn = new WebAssembly.Instance(above, { env: { mem: this.#memory } }).exports
      .above as _AboveFn;
    this.#batch = new _EaseBatch({
      memory: this.#memory,
      block: this.#instance.exports.block as _BlockFn,
      above: aboveFn,
      nC,
      nItems,
      np,
      users,
      columnsPerBlock: block,
      bPtr: this.#bPtr,
      accPtr,
      keptPtr,
      colsPtr,
      outPtr,
      hitsPtr,
      kept,
      indptr: options.indptr,
      indices: options.indices,
    });
    return this.#batch;
  }
}

/**
 * Up to {@linkcode maxUsers} users' primal EASE scores per pass, blocked
 * by columns (see the module doc): the same bits as `_EaseRows.rows` rounded
 * to float32 at each kept position, NaN at the others (what `EASE.rawScores`
 * writes for a user with positives). Made by {@linkcode _EaseRows.batch}.
 */
export class _EaseBatch implements _BatchScores {
  readonly #block: _BlockFn;
  readonly #above: _AboveFn;
  readonly #nC: number;
  readonly #np: number;
  readonly #bPtr: number;
  readonly #accPtr: number;
  readonly #keptPtr: number;
  readonly #colsPtr: number;
  readonly #outPtr: number;
  readonly #hitsPtr: number;
  /** The batch's users' rows of B, one user after the other. */
  readonly #cols: Int32Array;
  readonly #starts: Int32Array;
  readonly #users: Float32Array[];
  readonly #hits: Int32Array;
  readonly #indptr: Int32Array;
  readonly #indices: Int32Array;
  /** Number of positions scored (`nItems`). */
  readonly size: number;
  /** Users per {@linkcode score} call, at most. */
  readonly maxUsers: number;
  /** Columns per block. */
  readonly columnsPerBlock: number;

  /** Use {@linkcode _EaseRows.batch}. */
  constructor(
    o: {
      memory: WebAssembly.Memory;
      block: _BlockFn;
      above: _AboveFn;
      nC: number;
      nItems: number;
      np: number;
      users: number;
      columnsPerBlock: number;
      bPtr: number;
      accPtr: number;
      keptPtr: number;
      colsPtr: number;
      outPtr: number;
      hitsPtr: number;
      kept: Int32Array;
      indptr: Int32Array;
      indices: Int32Array;
    },
  ) {
    this.#block = o.block;
    this.#above = o.above;
    this.#nC = o.nC;
    this.#np = o.np;
    this.#bPtr = o.bPtr;
    this.#accPtr = o.accPtr;
    this.#keptPtr = o.keptPtr;
    this.#colsPtr = o.colsPtr;
    this.#outPtr = o.outPtr;
    this.#hitsPtr = o.hitsPtr;
    this.size = o.nItems;
    this.maxUsers = o.users;
    this.columnsPerBlock = o.columnsPerBlock;
    this.#starts = new Int32Array(o.users + 1);
    this.#indptr = o.indptr;
    this.#indices = o.indices;
    const buf = o.memory.buffer;
    for (let j = 0; j < o.kept.length; j++) {
      if (!(o.kept[j]! >= 0 && o.kept[j]! < o.nItems)) {
        throw new RangeError(`Cannot score ease: kept item ${o.kept[j]} is not below ${o.nItems}`);
      }
    }
    new Int32Array(buf, o.keptPtr, o.nC).set(o.kept);
    this.#cols = new Int32Array(buf, o.colsPtr, o.users * o.nC);
    const out = new Float32Array(buf, o.outPtr, o.users * o.np);
    out.fill(NaN); // the positions not kept (and the padding) are never written
    this.#users = Array.from(
      { length: o.users },
      (_, b) => out.subarray(b * o.np, b * o.np + o.nItems),
    );
    this.#hits = new Int32Array(buf, o.hitsPtr, _HITS + 16 + 1);
  }

  /**
   * Scores the users `rows` (1 to {@linkcode maxUsers} rows of the CSR):
   * {@linkcode userScores}`(b)` is then user `rows[b]`'s, until the next call.
   */
  score(rows: readonly number[]): void {
    if (rows.length < 1 || rows.length > this.maxUsers) {
      throw new RangeError(
        `Cannot score ease: ${rows.length} users, expected 1 to ${this.maxUsers}`,
      );
    }
    const nC = this.#nC, cols = this.#cols, starts = this.#starts;
    const indptr = this.#indptr, indices = this.#indices;
    for (let b = 0; b < rows.length; b++) {
      const r = rows[b]!;
      cols.set(indices.subarray(indptr[r]!, indptr[r + 1]!), starts[b]!);
      starts[b + 1] = starts[b]! + indptr[r + 1]! - indptr[r]!;
    }
    const block = this.columnsPerBlock;
    for (let j0 = 0; j0 < nC; j0 += block) {
      const len = Math.min(block, nC - j0);
      for (let b = 0; b < rows.length; b++) {
        this.#block(
          this.#accPtr,
          this.#bPtr,
          this.#colsPtr + 4 * starts[b]!,
          starts[b + 1]! - starts[b]!,
          nC,
          j0,
          len,
          this.#keptPtr,
          this.#outPtr + 4 * b * this.#np,
        );
      }
    }
  }

  /** The scores of the `b`-th user of the last {@linkcode score} call (a view the next call overwrites). */
  userScores(b: number): Float32Array {
    return this.#users[b]!;
  }

  /** See `_BatchScores.above` (`batch_scores.wat`'s kernel over these scores). */
  above(b: number, from: number, bar: number): number {
    const np = this.#np;
    return this.#above(this.#outPtr + 4 * b * np, from, np, bar, this.#hitsPtr, _HITS);
  }

  /** The positions {@linkcode above} found (from index 1) and where to go on (index 0). */
  get hits(): Int32Array {
    return this.#hits;
  }
}
