/**
 * Compressed sparse row matrices over typed arrays, the layout every model's
 * hot loop walks (row `r` holds columns `indices[indptr[r]..indptr[r+1])`).
 *
 * @module
 */

/** A sparse matrix in CSR layout. Column indices are ascending within each row. */
export interface CsrMatrix {
  readonly nRows: number;
  readonly nCols: number;
  /** Row start offsets, length `nRows + 1`. */
  readonly indptr: Int32Array;
  /** Column index of each stored value. */
  readonly indices: Int32Array;
  /** The stored values. */
  readonly values: Float32Array;
}

/**
 * Builds a CSR matrix from COO triplets (dense row/column indices). Duplicate
 * (row, column) pairs are kept as separate entries; columns are sorted per row.
 *
 * @example
 * ```ts
 * import { buildCsr } from "./csr.ts";
 * const m = buildCsr(Int32Array.of(1, 0, 1), Int32Array.of(2, 1, 0), Float32Array.of(3, 1, 2), {
 *   nRows: 2,
 *   nCols: 3,
 * });
 * if (m.indptr.join() !== "0,1,3" || m.indices.join() !== "1,0,2") throw new Error("bad csr");
 * ```
 */
export function buildCsr(
  rows: Int32Array,
  cols: Int32Array,
  values: Float32Array,
  shape: { nRows: number; nCols: number },
): CsrMatrix {
  const { nRows, nCols } = shape;
  const nnz = rows.length;
  if (cols.length !== nnz || values.length !== nnz) {
    throw new RangeError(
      `Cannot build CSR matrix: rows, cols and values differ in length (${nnz}, ${cols.length}, ${values.length})`,
    );
  }
  const indptr = new Int32Array(nRows + 1);
  for (let e = 0; e < nnz; e++) {
    const r = rows[e]!;
    const c = cols[e]!;
    if (r < 0 || r >= nRows || c < 0 || c >= nCols) {
      throw new RangeError(
        `Cannot build CSR matrix: entry ${e} at (${r}, ${c}) is outside the ${nRows} x ${nCols} shape`,
      );
    }
    indptr[r + 1]!++;
  }
  for (let r = 0; r < nRows; r++) indptr[r + 1]! += indptr[r]!;
  // Entries already in (row, column) order (ratings files usually are) are the CSR as they
  // stand: one sequential check and two copies instead of two random-access scatters.
  let ordered = true;
  for (let e = 1; e < nnz && ordered; e++) {
    const dr = rows[e]! - rows[e - 1]!;
    ordered = dr > 0 || (dr === 0 && cols[e]! >= cols[e - 1]!);
  }
  if (ordered) return { nRows, nCols, indptr, indices: cols.slice(), values: values.slice() };
  // Counting sort by column first, then a stable scatter by row keeps columns ascending.
  const colCount = new Int32Array(nCols + 1);
  for (let e = 0; e < nnz; e++) colCount[cols[e]! + 1]!++;
  for (let c = 0; c < nCols; c++) colCount[c + 1]! += colCount[c]!;
  const byCol = new Int32Array(nnz);
  for (let e = 0; e < nnz; e++) byCol[colCount[cols[e]!]!++] = e;
  const next = indptr.slice(0, nRows);
  const indices = new Int32Array(nnz);
  const out = new Float32Array(nnz);
  for (let j = 0; j < nnz; j++) {
    const e = byCol[j]!;
    const p = next[rows[e]!]!++;
    indices[p] = cols[e]!;
    out[p] = values[e]!;
  }
  return { nRows, nCols, indptr, indices, values: out };
}

/** The transpose of a CSR matrix, again in CSR layout (i.e. the CSC of the input). */
export function transposeCsr(m: CsrMatrix): CsrMatrix {
  const nnz = m.indices.length;
  const rows = new Int32Array(nnz);
  for (let r = 0; r < m.nRows; r++) {
    for (let p = m.indptr[r]!; p < m.indptr[r + 1]!; p++) rows[p] = r;
  }
  return buildCsr(m.indices, rows, m.values, { nRows: m.nCols, nCols: m.nRows });
}
