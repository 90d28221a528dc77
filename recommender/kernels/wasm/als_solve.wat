;; The ALS half-step for a range of rows: for each row with ratings, the
;; normal equations of the ridge regression for [b, x] against the fixed side,
;;
;;   A = sum_p z_p z_p^T + diag(regBias n, reg n, ..., reg n),  b = sum_p t_p z_p,
;;   z_p = [1, y_idx[p]] (f64 of the f32 factors),  t_p = (r_p - mu) - by_idx[p],
;;
;; then a Cholesky solve A [b, x] = b, written as f32 to bx[row] and x[row].
;; Each element of A and b is the same IEEE sequence as the JS kernel
;; (../_als_kernel.ts): products rounded to f64, then added in increasing p,
;; starting from 0 (two f64 per instruction, no fused multiply-add), so the
;; factors are bit-identical.
;;
;; b is column k + 1 of A: Z holds t_p there, so the tiles that accumulate
;; z z^T accumulate sum_p z t_p too. The Cholesky factorization is
;; right-looking on the upper triangle (U = L^T) of that augmented matrix: it
;; subtracts the same products in the same (increasing) order per element as
;; the JS left-looking factorization, and on column k + 1 it is the JS forward
;; substitution L y = b (same order again); back substitution then gives x.
;;
;; Byte offsets into the imported memory: indptr (i32, rows + 1, rebased to
;; 0), indices (i32 columns), values (f32 ratings), y (f32, k per row, and 4
;; readable bytes after the last row), by (f32), x (f32, k per row, written),
;; bx (f32, written); scratch: A (dp x dp f64), B (dp f64: the solution), Z
;; (blk x dp f64: z and t of up to blk ratings, column 0 set to 1 by the
;; caller). dp is a multiple of 4 of at least k + 2. Elements outside the
;; upper triangle and the columns after k + 1 are computed (tiles, pairs of
;; f64; a pair ending past the last column writes a lower element of the next
;; row) but never read into the solution. Used by ../_wasm_als.ts.
(module
  (import "env" "mem" (memory 1))
  (func (export "solve")
    (param $rows i32) (param $indptr i32) (param $indices i32) (param $values i32)
    (param $y i32) (param $by i32) (param $x i32) (param $bx i32)
    (param $k i32) (param $dp i32) (param $blk i32)
    (param $A i32) (param $B i32) (param $Z i32)
    (param $mu f64) (param $reg f64) (param $breg f64)
    (local $row i32) (local $p i32) (local $end i32) (local $n i32) (local $m i32)
    (local $d i32) (local $db i32) (local $de i32) (local $rb i32) (local $kb i32)
    (local $i i32) (local $j i32) (local $c i32) (local $r i32)
    (local $zq i32) (local $zend i32) (local $yq i32) (local $zr i32)
    (local $ar0 i32) (local $ar1 i32) (local $ar2 i32) (local $ar3 i32)
    (local $rowp i32) (local $rowj i32) (local $aend i32)
    (local $t f64) (local $s f64) (local $lf f64)
    (local $tv v128) (local $s0 v128) (local $v0 v128) (local $v1 v128)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local.set $d (i32.add (local.get $k) (i32.const 1)))
    (local.set $db (i32.shl (local.get $d) (i32.const 3)))
    (local.set $de (i32.add (local.get $db) (i32.const 8)))
    (local.set $rb (i32.shl (local.get $dp) (i32.const 3)))
    (local.set $kb (i32.shl (local.get $k) (i32.const 2)))
    (local.set $aend (i32.add (local.get $A) (i32.mul (local.get $dp) (local.get $rb))))
    (block $rowsDone
      (br_if $rowsDone (i32.eqz (local.get $rows)))
      (local.set $row (i32.const 0))
      (loop $rowLoop
        (local.set $p (i32.load (i32.add (local.get $indptr) (i32.shl (local.get $row) (i32.const 2)))))
        (local.set $end
          (i32.load (i32.add (local.get $indptr)
            (i32.shl (i32.add (local.get $row) (i32.const 1)) (i32.const 2)))))
        (local.set $n (i32.sub (local.get $end) (local.get $p)))
        (block $skip
          (br_if $skip (i32.le_s (local.get $n) (i32.const 0)))
          ;; A = 0
          (local.set $i (local.get $A))
          (loop $zeroA
            (v128.store (local.get $i) (v128.const i64x2 0 0))
            (br_if $zeroA
              (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 16))) (local.get $aend))))
          ;; the row's ratings in blocks of up to blk
          (loop $blockLoop
            (local.set $m (i32.sub (local.get $end) (local.get $p)))
            (if (i32.gt_s (local.get $m) (local.get $blk)) (then (local.set $m (local.get $blk))))
            ;; gather z and t of the block into Z
            (local.set $zq (local.get $Z))
            (local.set $zend (i32.add (local.get $Z) (i32.mul (local.get $m) (local.get $rb))))
            (loop $gather
              (local.set $j
                (i32.load (i32.add (local.get $indices) (i32.shl (local.get $p) (i32.const 2)))))
              (local.set $t
                (f64.sub
                  (f64.sub
                    (f64.promote_f32
                      (f32.load (i32.add (local.get $values) (i32.shl (local.get $p) (i32.const 2)))))
                    (local.get $mu))
                  (f64.promote_f32
                    (f32.load (i32.add (local.get $by) (i32.shl (local.get $j) (i32.const 2)))))))
              (local.set $yq (i32.add (local.get $y) (i32.mul (local.get $j) (local.get $kb))))
              ;; z[1 ..] = f64 of the factors, two at a time (for odd k the
              ;; last pair's second value lands in the padding column k + 1)
              (local.set $i (i32.const 0))
              (loop $copy
                (v128.store offset=8
                  (i32.add (local.get $zq) (i32.shl (local.get $i) (i32.const 1)))
                  (f64x2.promote_low_f32x4
                    (v128.load64_zero (i32.add (local.get $yq) (local.get $i)))))
                (br_if $copy
                  (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 8))) (local.get $kb))))
              ;; z[k + 1] = t: column k + 1 of A accumulates b
              (f64.store (i32.add (local.get $zq) (local.get $db)) (local.get $t))
              (local.set $p (i32.add (local.get $p) (i32.const 1)))
              (br_if $gather
                (i32.lt_u (local.tee $zq (i32.add (local.get $zq) (local.get $rb))) (local.get $zend))))
            ;; A += sum over the block of z z^T, upper triangle, in 4 x 4 tiles
            ;; kept in registers across the block (rows r .. r + 3 from column
            ;; r; the extra lower and padding elements are never read)
            (local.set $r (i32.const 0))
            (loop $tileRows
              (local.set $ar0 (i32.add (local.get $A) (i32.mul (local.get $r) (local.get $rb))))
              (local.set $ar1 (i32.add (local.get $ar0) (local.get $rb)))
              (local.set $ar2 (i32.add (local.get $ar1) (local.get $rb)))
              (local.set $ar3 (i32.add (local.get $ar2) (local.get $rb)))
              (local.set $zr (i32.shl (local.get $r) (i32.const 3)))
              (local.set $c (local.get $zr))
              (loop $tileCols
                (local.set $c00 (v128.load (i32.add (local.get $ar0) (local.get $c))))
                (local.set $c01 (v128.load offset=16 (i32.add (local.get $ar0) (local.get $c))))
                (local.set $c10 (v128.load (i32.add (local.get $ar1) (local.get $c))))
                (local.set $c11 (v128.load offset=16 (i32.add (local.get $ar1) (local.get $c))))
                (local.set $c20 (v128.load (i32.add (local.get $ar2) (local.get $c))))
                (local.set $c21 (v128.load offset=16 (i32.add (local.get $ar2) (local.get $c))))
                (local.set $c30 (v128.load (i32.add (local.get $ar3) (local.get $c))))
                (local.set $c31 (v128.load offset=16 (i32.add (local.get $ar3) (local.get $c))))
                (local.set $zq (local.get $Z))
                (loop $accumulate
                  (local.set $v0 (v128.load (i32.add (local.get $zq) (local.get $c))))
                  (local.set $v1 (v128.load offset=16 (i32.add (local.get $zq) (local.get $c))))
                  (local.set $s0 (v128.load64_splat (i32.add (local.get $zq) (local.get $zr))))
                  (local.set $c00 (f64x2.add (local.get $c00) (f64x2.mul (local.get $s0) (local.get $v0))))
                  (local.set $c01 (f64x2.add (local.get $c01) (f64x2.mul (local.get $s0) (local.get $v1))))
                  (local.set $s0 (v128.load64_splat offset=8 (i32.add (local.get $zq) (local.get $zr))))
                  (local.set $c10 (f64x2.add (local.get $c10) (f64x2.mul (local.get $s0) (local.get $v0))))
                  (local.set $c11 (f64x2.add (local.get $c11) (f64x2.mul (local.get $s0) (local.get $v1))))
                  (local.set $s0 (v128.load64_splat offset=16 (i32.add (local.get $zq) (local.get $zr))))
                  (local.set $c20 (f64x2.add (local.get $c20) (f64x2.mul (local.get $s0) (local.get $v0))))
                  (local.set $c21 (f64x2.add (local.get $c21) (f64x2.mul (local.get $s0) (local.get $v1))))
                  (local.set $s0 (v128.load64_splat offset=24 (i32.add (local.get $zq) (local.get $zr))))
                  (local.set $c30 (f64x2.add (local.get $c30) (f64x2.mul (local.get $s0) (local.get $v0))))
                  (local.set $c31 (f64x2.add (local.get $c31) (f64x2.mul (local.get $s0) (local.get $v1))))
                  (br_if $accumulate
                    (i32.lt_u (local.tee $zq (i32.add (local.get $zq) (local.get $rb)))
                      (local.get $zend))))
                (v128.store (i32.add (local.get $ar0) (local.get $c)) (local.get $c00))
                (v128.store offset=16 (i32.add (local.get $ar0) (local.get $c)) (local.get $c01))
                (v128.store (i32.add (local.get $ar1) (local.get $c)) (local.get $c10))
                (v128.store offset=16 (i32.add (local.get $ar1) (local.get $c)) (local.get $c11))
                (v128.store (i32.add (local.get $ar2) (local.get $c)) (local.get $c20))
                (v128.store offset=16 (i32.add (local.get $ar2) (local.get $c)) (local.get $c21))
                (v128.store (i32.add (local.get $ar3) (local.get $c)) (local.get $c30))
                (v128.store offset=16 (i32.add (local.get $ar3) (local.get $c)) (local.get $c31))
                (br_if $tileCols
                  (i32.lt_u (local.tee $c (i32.add (local.get $c) (i32.const 32))) (local.get $rb))))
              (br_if $tileRows
                (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 4))) (local.get $d))))
            (br_if $blockLoop (i32.lt_s (local.get $p) (local.get $end))))
          ;; regularization: A[0][0] += regBias n; A[a][a] += reg n for a >= 1
          (f64.store (local.get $A)
            (f64.add (f64.load (local.get $A))
              (f64.mul (local.get $breg) (f64.convert_i32_s (local.get $n)))))
          (local.set $lf (f64.mul (local.get $reg) (f64.convert_i32_s (local.get $n))))
          (local.set $i (i32.const 1))
          (loop $diag
            (local.set $rowp
              (i32.add (i32.add (local.get $A) (i32.mul (local.get $i) (local.get $rb)))
                (i32.shl (local.get $i) (i32.const 3))))
            (f64.store (local.get $rowp) (f64.add (f64.load (local.get $rowp)) (local.get $lf)))
            (br_if $diag (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $d))))
          ;; Cholesky, right-looking on the upper triangle: for each pivot p,
          ;; U[p][p] = sqrt(max(U[p][p], floor)), U[p][i] /= U[p][p] (i > p),
          ;; U[j][i] -= U[p][j] U[p][i] (i >= j > p)
          (local.set $p (i32.const 0))
          (loop $pivot
            (local.set $rowp (i32.add (local.get $A) (i32.mul (local.get $p) (local.get $rb))))
            (local.set $s (f64.load (i32.add (local.get $rowp) (i32.shl (local.get $p) (i32.const 3)))))
            (local.set $t
              (f64.sqrt
                (select (local.get $s) (f64.const 1e-12) (f64.gt (local.get $s) (f64.const 1e-12)))))
            (f64.store (i32.add (local.get $rowp) (i32.shl (local.get $p) (i32.const 3))) (local.get $t))
            (local.set $tv (f64x2.splat (local.get $t)))
            (local.set $i (i32.shl (i32.add (local.get $p) (i32.const 1)) (i32.const 3)))
            (block $scaled
              (br_if $scaled (i32.ge_u (local.get $i) (local.get $de)))
              (loop $scale
                (v128.store (i32.add (local.get $rowp) (local.get $i))
                  (f64x2.div (v128.load (i32.add (local.get $rowp) (local.get $i))) (local.get $tv)))
                (br_if $scale
                  (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 16))) (local.get $de)))))
            (local.set $j (i32.add (local.get $p) (i32.const 1)))
            (block $updated
              (br_if $updated (i32.ge_u (local.get $j) (local.get $d)))
              (loop $update
                (local.set $rowj (i32.add (local.get $A) (i32.mul (local.get $j) (local.get $rb))))
                (local.set $tv
                  (v128.load64_splat (i32.add (local.get $rowp) (i32.shl (local.get $j) (i32.const 3)))))
                (local.set $i (i32.shl (local.get $j) (i32.const 3)))
                (loop $trailing
                  (v128.store (i32.add (local.get $rowj) (local.get $i))
                    (f64x2.sub (v128.load (i32.add (local.get $rowj) (local.get $i)))
                      (f64x2.mul (local.get $tv) (v128.load (i32.add (local.get $rowp) (local.get $i))))))
                  (br_if $trailing
                    (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 16))) (local.get $de))))
                (br_if $update
                  (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 1))) (local.get $d)))))
            (br_if $pivot (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 1))) (local.get $d))))
          ;; back substitution L^T x = y, by rows: x[i] = (y[i] - sum_{p > i} U[i][p] x[p]) / U[i][i]
          (local.set $i (local.get $k))
          (loop $back
            (local.set $rowp (i32.add (local.get $A) (i32.mul (local.get $i) (local.get $rb))))
            (local.set $s (f64.load (i32.add (local.get $rowp) (local.get $db))))
            (local.set $j (i32.add (local.get $i) (i32.const 1)))
            (block $summed
              (br_if $summed (i32.ge_u (local.get $j) (local.get $d)))
              (loop $dot
                (local.set $s
                  (f64.sub (local.get $s)
                    (f64.mul
                      (f64.load (i32.add (local.get $rowp) (i32.shl (local.get $j) (i32.const 3))))
                      (f64.load (i32.add (local.get $B) (i32.shl (local.get $j) (i32.const 3)))))))
                (br_if $dot (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 1))) (local.get $d)))))
            (f64.store (i32.add (local.get $B) (i32.shl (local.get $i) (i32.const 3)))
              (f64.div (local.get $s)
                (f64.load (i32.add (local.get $rowp) (i32.shl (local.get $i) (i32.const 3))))))
            (local.set $i (i32.sub (local.get $i) (i32.const 1)))
            (br_if $back (i32.ge_s (local.get $i) (i32.const 0))))
          ;; bx[row] = b[0], x[row] = b[1..k] (f32)
          (f32.store (i32.add (local.get $bx) (i32.shl (local.get $row) (i32.const 2)))
            (f32.demote_f64 (f64.load (local.get $B))))
          (local.set $yq (i32.add (local.get $x) (i32.mul (local.get $row) (local.get $kb))))
          (local.set $i (i32.const 0))
          (loop $out
            (f32.store (i32.add (local.get $yq) (local.get $i))
              (f32.demote_f64
                (f64.load offset=8 (i32.add (local.get $B) (i32.shl (local.get $i) (i32.const 1))))))
            (br_if $out (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 4))) (local.get $kb)))))
        (br_if $rowLoop
          (i32.lt_u (local.tee $row (i32.add (local.get $row) (i32.const 1))) (local.get $rows)))))))
