;; The dense and sparse products of the randomized truncated SVD
;; (../../models/truncated_svd.ts), two doubles per instruction, each one the
;; same IEEE operations in the same order as the JS loops they replace (an
;; f64x2.mul then an f64x2.add per element, no fused multiply-add; every sum
;; keeps its order), so the fitted factors are bit-identical. Used by
;; ../_wasm_svd.ts.
;;
;; All pointers are byte offsets into the imported memory. Dense matrices are
;; row-major float64 with a row stride of rowBytes bytes, a multiple of 64
;; (8 doubles, the padding columns zero); the CSR matrix is indptr (i32,
;; nRows + 1), indices (i32) and values (f32).
(module
  (import "env" "mem" (memory 1))

  ;; out = X D: out[r] = sum_p values[p] d[indices[p]] over the entries of row
  ;; r, in entry order, 8 columns at a time in registers.
  (func (export "csr_times")
    (param $indptr i32) (param $indices i32) (param $values i32) (param $nRows i32)
    (param $d i32) (param $out i32) (param $rowBytes i32)
    (local $r i32) (local $p i32) (local $start i32) (local $end i32) (local $blk i32)
    (local $src i32) (local $dst i32)
    (local $v v128) (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (block $done
      (br_if $done (i32.eqz (local.get $nRows)))
      (loop $rows
        (local.set $start
          (i32.load (i32.add (local.get $indptr) (i32.shl (local.get $r) (i32.const 2)))))
        (local.set $end
          (i32.load offset=4 (i32.add (local.get $indptr) (i32.shl (local.get $r) (i32.const 2)))))
        (local.set $dst (i32.add (local.get $out) (i32.mul (local.get $r) (local.get $rowBytes))))
        (local.set $blk (i32.const 0))
        (loop $blocks
          (local.set $a0 (v128.const i64x2 0 0))
          (local.set $a1 (v128.const i64x2 0 0))
          (local.set $a2 (v128.const i64x2 0 0))
          (local.set $a3 (v128.const i64x2 0 0))
          (local.set $p (local.get $start))
          (block $empty
            (br_if $empty (i32.ge_s (local.get $p) (local.get $end)))
            (loop $entries
              (local.set $v
                (f64x2.splat (f64.promote_f32
                  (f32.load (i32.add (local.get $values) (i32.shl (local.get $p) (i32.const 2)))))))
              (local.set $src
                (i32.add (i32.add (local.get $d) (local.get $blk))
                  (i32.mul
                    (i32.load (i32.add (local.get $indices) (i32.shl (local.get $p) (i32.const 2))))
                    (local.get $rowBytes))))
              (local.set $a0 (f64x2.add (local.get $a0)
                (f64x2.mul (local.get $v) (v128.load offset=0 (local.get $src)))))
              (local.set $a1 (f64x2.add (local.get $a1)
                (f64x2.mul (local.get $v) (v128.load offset=16 (local.get $src)))))
              (local.set $a2 (f64x2.add (local.get $a2)
                (f64x2.mul (local.get $v) (v128.load offset=32 (local.get $src)))))
              (local.set $a3 (f64x2.add (local.get $a3)
                (f64x2.mul (local.get $v) (v128.load offset=48 (local.get $src)))))
              (br_if $entries
                (i32.lt_s (local.tee $p (i32.add (local.get $p) (i32.const 1))) (local.get $end)))))
          (v128.store offset=0 (i32.add (local.get $dst) (local.get $blk)) (local.get $a0))
          (v128.store offset=16 (i32.add (local.get $dst) (local.get $blk)) (local.get $a1))
          (v128.store offset=32 (i32.add (local.get $dst) (local.get $blk)) (local.get $a2))
          (v128.store offset=48 (i32.add (local.get $dst) (local.get $blk)) (local.get $a3))
          (br_if $blocks
            (i32.lt_u (local.tee $blk (i32.add (local.get $blk) (i32.const 64)))
              (local.get $rowBytes))))
        (br_if $rows
          (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 1))) (local.get $nRows))))))

  ;; out += X^T D (out zeroed by the caller): out[indices[p]] += values[p] d[r]
  ;; for every row r in order and its entries in order, d[r] 8 columns at a
  ;; time in registers.
  (func (export "csr_transpose_times")
    (param $indptr i32) (param $indices i32) (param $values i32) (param $nRows i32)
    (param $d i32) (param $out i32) (param $rowBytes i32)
    (local $r i32) (local $p i32) (local $start i32) (local $end i32) (local $blk i32)
    (local $src i32) (local $dst i32)
    (local $v v128) (local $d0 v128) (local $d1 v128) (local $d2 v128) (local $d3 v128)
    (block $done
      (br_if $done (i32.eqz (local.get $nRows)))
      (loop $rows
        (local.set $start
          (i32.load (i32.add (local.get $indptr) (i32.shl (local.get $r) (i32.const 2)))))
        (local.set $end
          (i32.load offset=4 (i32.add (local.get $indptr) (i32.shl (local.get $r) (i32.const 2)))))
        (block $empty
          (br_if $empty (i32.ge_s (local.get $start) (local.get $end)))
          (local.set $src (i32.add (local.get $d) (i32.mul (local.get $r) (local.get $rowBytes))))
          (local.set $blk (i32.const 0))
          (loop $blocks
            (local.set $d0 (v128.load offset=0 (i32.add (local.get $src) (local.get $blk))))
            (local.set $d1 (v128.load offset=16 (i32.add (local.get $src) (local.get $blk))))
            (local.set $d2 (v128.load offset=32 (i32.add (local.get $src) (local.get $blk))))
            (local.set $d3 (v128.load offset=48 (i32.add (local.get $src) (local.get $blk))))
            (local.set $p (local.get $start))
            (loop $entries
              (local.set $v
                (f64x2.splat (f64.promote_f32
                  (f32.load (i32.add (local.get $values) (i32.shl (local.get $p) (i32.const 2)))))))
              (local.set $dst
                (i32.add (i32.add (local.get $out) (local.get $blk))
                  (i32.mul
                    (i32.load (i32.add (local.get $indices) (i32.shl (local.get $p) (i32.const 2))))
                    (local.get $rowBytes))))
              (v128.store offset=0 (local.get $dst) (f64x2.add (v128.load offset=0 (local.get $dst))
                (f64x2.mul (local.get $v) (local.get $d0))))
              (v128.store offset=16 (local.get $dst) (f64x2.add (v128.load offset=16 (local.get $dst))
                (f64x2.mul (local.get $v) (local.get $d1))))
              (v128.store offset=32 (local.get $dst) (f64x2.add (v128.load offset=32 (local.get $dst))
                (f64x2.mul (local.get $v) (local.get $d2))))
              (v128.store offset=48 (local.get $dst) (f64x2.add (v128.load offset=48 (local.get $dst))
                (f64x2.mul (local.get $v) (local.get $d3))))
              (br_if $entries
                (i32.lt_s (local.tee $p (i32.add (local.get $p) (i32.const 1))) (local.get $end))))
            (br_if $blocks
              (i32.lt_u (local.tee $blk (i32.add (local.get $blk) (i32.const 64)))
                (local.get $rowBytes)))))
        (br_if $rows
          (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 1))) (local.get $nRows))))))

  ;; out = A W for A (nRows x l, rows of aRowBytes) and W (l x outRowBytes):
  ;; out[r] = sum_j a[r][j] w[j] over j in order, skipping a[r][j] == 0, 8
  ;; columns at a time in registers.
  (func (export "dense_times")
    (param $a i32) (param $nRows i32) (param $l i32) (param $aRowBytes i32) (param $w i32)
    (param $out i32) (param $outRowBytes i32)
    (local $r i32) (local $j i32) (local $blk i32) (local $arow i32) (local $src i32)
    (local $dst i32) (local $x f64)
    (local $v v128) (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (block $done
      (br_if $done (i32.or (i32.eqz (local.get $nRows)) (i32.eqz (local.get $l))))
      (loop $rows
        (local.set $arow (i32.add (local.get $a) (i32.mul (local.get $r) (local.get $aRowBytes))))
        (local.set $dst (i32.add (local.get $out) (i32.mul (local.get $r) (local.get $outRowBytes))))
        (local.set $blk (i32.const 0))
        (loop $blocks
          (local.set $a0 (v128.const i64x2 0 0))
          (local.set $a1 (v128.const i64x2 0 0))
          (local.set $a2 (v128.const i64x2 0 0))
          (local.set $a3 (v128.const i64x2 0 0))
          (local.set $j (i32.const 0))
          (loop $terms
            (local.set $x (f64.load (i32.add (local.get $arow) (i32.shl (local.get $j) (i32.const 3)))))
            (if (f64.ne (local.get $x) (f64.const 0))
              (then
                (local.set $v (f64x2.splat (local.get $x)))
                (local.set $src
                  (i32.add (i32.add (local.get $w) (local.get $blk))
                    (i32.mul (local.get $j) (local.get $outRowBytes))))
                (local.set $a0 (f64x2.add (local.get $a0)
                  (f64x2.mul (local.get $v) (v128.load offset=0 (local.get $src)))))
                (local.set $a1 (f64x2.add (local.get $a1)
                  (f64x2.mul (local.get $v) (v128.load offset=16 (local.get $src)))))
                (local.set $a2 (f64x2.add (local.get $a2)
                  (f64x2.mul (local.get $v) (v128.load offset=32 (local.get $src)))))
                (local.set $a3 (f64x2.add (local.get $a3)
                  (f64x2.mul (local.get $v) (v128.load offset=48 (local.get $src)))))))
            (br_if $terms (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 1))) (local.get $l))))
          (v128.store offset=0 (i32.add (local.get $dst) (local.get $blk)) (local.get $a0))
          (v128.store offset=16 (i32.add (local.get $dst) (local.get $blk)) (local.get $a1))
          (v128.store offset=32 (i32.add (local.get $dst) (local.get $blk)) (local.get $a2))
          (v128.store offset=48 (i32.add (local.get $dst) (local.get $blk)) (local.get $a3))
          (br_if $blocks
            (i32.lt_u (local.tee $blk (i32.add (local.get $blk) (i32.const 64)))
              (local.get $outRowBytes))))
        (br_if $rows
          (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 1))) (local.get $nRows))))))

  ;; c += Q^T T on and above the diagonal (c zeroed by the caller, l x l of
  ;; rows of rowBytes): c[a][b] += q[r][a] t[r][b] for b >= a, rows r in order,
  ;; skipping q[r][a] == 0. Columns b from a rounded down to even: the entry
  ;; left of the diagonal this adds is never read.
  (func (export "gram_upper")
    (param $q i32) (param $t i32) (param $nRows i32) (param $l i32) (param $rowBytes i32)
    (param $c i32)
    (local $r i32) (local $a i32) (local $b i32) (local $qrow i32) (local $trow i32)
    (local $crow i32) (local $x f64) (local $v v128)
    (block $done
      (br_if $done (i32.or (i32.eqz (local.get $nRows)) (i32.eqz (local.get $l))))
      (loop $rows
        (local.set $qrow (i32.add (local.get $q) (i32.mul (local.get $r) (local.get $rowBytes))))
        (local.set $trow (i32.add (local.get $t) (i32.mul (local.get $r) (local.get $rowBytes))))
        (local.set $a (i32.const 0))
        (loop $cols
          (local.set $x (f64.load (i32.add (local.get $qrow) (i32.shl (local.get $a) (i32.const 3)))))
          (if (f64.ne (local.get $x) (f64.const 0))
            (then
              (local.set $v (f64x2.splat (local.get $x)))
              (local.set $crow (i32.add (local.get $c) (i32.mul (local.get $a) (local.get $rowBytes))))
              (local.set $b (i32.shl (i32.and (local.get $a) (i32.const -2)) (i32.const 3)))
              (loop $entries
                (v128.store (i32.add (local.get $crow) (local.get $b))
                  (f64x2.add (v128.load (i32.add (local.get $crow) (local.get $b)))
                    (f64x2.mul (local.get $v) (v128.load (i32.add (local.get $trow) (local.get $b))))))
                (br_if $entries
                  (i32.lt_u (local.tee $b (i32.add (local.get $b) (i32.const 16)))
                    (local.get $rowBytes))))))
          (br_if $cols (i32.lt_u (local.tee $a (i32.add (local.get $a) (i32.const 1))) (local.get $l))))
        (br_if $rows
          (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 1))) (local.get $nRows))))))

  ;; Modified Gram-Schmidt of the columns of y (nRows rows of rowBytes, in
  ;; place), the finished columns also written column-major to fin (nRows
  ;; doubles per column). The same operations as the JS loop, which takes
  ;; column a and subtracts its projections on the finished columns b = 0 ..
  ;; a-1 in order (d = sum_r y[r][a] fin_b[r] in row order, y[r][a] -= d
  ;; fin_b[r]), then scales it by 1 / sqrt(sum_r y[r][a]^2); here 8 columns (a
  ;; panel, one 64-byte line per row) advance together, each lane its own sum:
  ;; one pass per finished column b before the panel both subtracts b and sums
  ;; the dot products with b + 1, then the panel's own columns one by one, a
  ;; mask keeping the lanes already finished. dptr is 64 bytes of scratch.
  (func (export "gram_schmidt")
    (param $y i32) (param $fin i32) (param $nRows i32) (param $rowBytes i32) (param $dptr i32)
    (local $j0 i32) (local $yp i32) (local $b i32) (local $nb i32) (local $colBytes i32)
    (local $t i32) (local $ya i32) (local $fa i32) (local $nrm f64) (local $inv f64)
    (local $ones v128)
    (local.set $colBytes (i32.shl (local.get $nRows) (i32.const 3)))
    (local.set $ones (v128.const i64x2 -1 -1))
    (block $done
      (br_if $done (i32.eqz (local.get $nRows)))
      (loop $panels
        (local.set $yp (i32.add (local.get $y) (local.get $j0)))
        (local.set $nb (i32.shr_u (local.get $j0) (i32.const 3)))
        ;; the finished columns 0 .. nb-1 before the panel
        (if (i32.gt_u (local.get $nb) (i32.const 0))
          (then
            (call $dots (local.get $yp) (local.get $fin) (local.get $nRows) (local.get $rowBytes)
              (local.get $dptr))
            (local.set $b (i32.const 0))
            (loop $finished
              (if (i32.lt_u (i32.add (local.get $b) (i32.const 1)) (local.get $nb))
                (then
                  (call $axpy_dots (local.get $yp)
                    (i32.add (local.get $fin) (i32.mul (local.get $b) (local.get $colBytes)))
                    (local.get $nRows) (local.get $rowBytes) (local.get $dptr)))
                (else
                  (call $axpy (local.get $yp)
                    (i32.add (local.get $fin) (i32.mul (local.get $b) (local.get $colBytes)))
                    (local.get $nRows) (local.get $rowBytes) (local.get $dptr)
                    (local.get $ones) (local.get $ones) (local.get $ones) (local.get $ones))))
              (br_if $finished
                (i32.lt_u (local.tee $b (i32.add (local.get $b) (i32.const 1))) (local.get $nb))))))
        ;; the panel's own columns
        (local.set $t (i32.const 0))
        (loop $own
          (local.set $ya (i32.add (local.get $yp) (i32.shl (local.get $t) (i32.const 3))))
          (local.set $fa (i32.add (local.get $fin)
            (i32.mul (i32.add (local.get $nb) (local.get $t)) (local.get $colBytes))))
          (local.set $nrm (call $norm2 (local.get $ya) (local.get $nRows) (local.get $rowBytes)))
          (local.set $inv
            (select
              (f64.div (f64.const 1) (f64.sqrt (local.get $nrm)))
              (f64.const 0)
              (f64.gt (local.get $nrm) (f64.const 0))))
          (call $scale (local.get $ya) (local.get $fa) (local.get $inv) (local.get $nRows)
            (local.get $rowBytes))
          (if (i32.lt_u (local.get $t) (i32.const 7))
            (then
              (call $dots (local.get $yp) (local.get $fa) (local.get $nRows) (local.get $rowBytes)
                (local.get $dptr))
              (call $axpy (local.get $yp) (local.get $fa) (local.get $nRows) (local.get $rowBytes)
                (local.get $dptr)
                (call $mask (i32.const 0) (local.get $t))
                (call $mask (i32.const 2) (local.get $t))
                (call $mask (i32.const 4) (local.get $t))
                (call $mask (i32.const 6) (local.get $t)))))
          (br_if $own (i32.lt_u (local.tee $t (i32.add (local.get $t) (i32.const 1))) (i32.const 8))))
        (br_if $panels
          (i32.lt_u (local.tee $j0 (i32.add (local.get $j0) (i32.const 64))) (local.get $rowBytes))))))

  ;; All-ones lanes for the panel columns c and c + 1 that come after column t.
  (func $mask (param $c i32) (param $t i32) (result v128)
    (i64x2.replace_lane 1
      (i64x2.splat
        (select (i64.const -1) (i64.const 0) (i32.gt_u (local.get $c) (local.get $t))))
      (select (i64.const -1) (i64.const 0)
        (i32.gt_u (i32.add (local.get $c) (i32.const 1)) (local.get $t)))))

  ;; dptr = sum_r yp[r] fb[r] (8 lanes, each summed in row order).
  (func $dots
    (param $yp i32) (param $fb i32) (param $nRows i32) (param $rowBytes i32) (param $dptr i32)
    (local $r i32) (local $s v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (loop $rows
      (local.set $s (v128.load64_splat (i32.add (local.get $fb) (i32.shl (local.get $r) (i32.const 3)))))
      (local.set $a0 (f64x2.add (local.get $a0) (f64x2.mul (v128.load offset=0 (local.get $yp)) (local.get $s))))
      (local.set $a1 (f64x2.add (local.get $a1) (f64x2.mul (v128.load offset=16 (local.get $yp)) (local.get $s))))
      (local.set $a2 (f64x2.add (local.get $a2) (f64x2.mul (v128.load offset=32 (local.get $yp)) (local.get $s))))
      (local.set $a3 (f64x2.add (local.get $a3) (f64x2.mul (v128.load offset=48 (local.get $yp)) (local.get $s))))
      (local.set $yp (i32.add (local.get $yp) (local.get $rowBytes)))
      (br_if $rows (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 1))) (local.get $nRows))))
    (v128.store offset=0 (local.get $dptr) (local.get $a0))
    (v128.store offset=16 (local.get $dptr) (local.get $a1))
    (v128.store offset=32 (local.get $dptr) (local.get $a2))
    (v128.store offset=48 (local.get $dptr) (local.get $a3)))

  ;; yp[r] -= d fb[r] in the lanes of the masks m0 .. m3 (the others keep their bits).
  (func $axpy
    (param $yp i32) (param $fb i32) (param $nRows i32) (param $rowBytes i32) (param $dptr i32)
    (param $m0 v128) (param $m1 v128) (param $m2 v128) (param $m3 v128)
    (local $r i32) (local $s v128) (local $x v128)
    (local $d0 v128) (local $d1 v128) (local $d2 v128) (local $d3 v128)
    (local.set $d0 (v128.load offset=0 (local.get $dptr)))
    (local.set $d1 (v128.load offset=16 (local.get $dptr)))
    (local.set $d2 (v128.load offset=32 (local.get $dptr)))
    (local.set $d3 (v128.load offset=48 (local.get $dptr)))
    (loop $rows
      (local.set $s (v128.load64_splat (i32.add (local.get $fb) (i32.shl (local.get $r) (i32.const 3)))))
      (local.set $x (v128.load offset=0 (local.get $yp)))
      (v128.store offset=0 (local.get $yp) (v128.bitselect
        (f64x2.sub (local.get $x) (f64x2.mul (local.get $d0) (local.get $s))) (local.get $x) (local.get $m0)))
      (local.set $x (v128.load offset=16 (local.get $yp)))
      (v128.store offset=16 (local.get $yp) (v128.bitselect
        (f64x2.sub (local.get $x) (f64x2.mul (local.get $d1) (local.get $s))) (local.get $x) (local.get $m1)))
      (local.set $x (v128.load offset=32 (local.get $yp)))
      (v128.store offset=32 (local.get $yp) (v128.bitselect
        (f64x2.sub (local.get $x) (f64x2.mul (local.get $d2) (local.get $s))) (local.get $x) (local.get $m2)))
      (local.set $x (v128.load offset=48 (local.get $yp)))
      (v128.store offset=48 (local.get $yp) (v128.bitselect
        (f64x2.sub (local.get $x) (f64x2.mul (local.get $d3) (local.get $s))) (local.get $x) (local.get $m3)))
      (local.set $yp (i32.add (local.get $yp) (local.get $rowBytes)))
      (br_if $rows (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 1))) (local.get $nRows)))))

  ;; yp[r] -= d fb[r] in all lanes, then dptr = sum_r yp[r] fb'[r] with fb'
  ;; the next column (fb + nRows doubles): one pass for two steps.
  (func $axpy_dots
    (param $yp i32) (param $fb i32) (param $nRows i32) (param $rowBytes i32) (param $dptr i32)
    (local $r i32) (local $s v128) (local $s1 v128) (local $x v128) (local $fb1 i32)
    (local $d0 v128) (local $d1 v128) (local $d2 v128) (local $d3 v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local.set $fb1 (i32.add (local.get $fb) (i32.shl (local.get $nRows) (i32.const 3))))
    (local.set $d0 (v128.load offset=0 (local.get $dptr)))
    (local.set $d1 (v128.load offset=16 (local.get $dptr)))
    (local.set $d2 (v128.load offset=32 (local.get $dptr)))
    (local.set $d3 (v128.load offset=48 (local.get $dptr)))
    (loop $rows
      (local.set $s (v128.load64_splat (i32.add (local.get $fb) (i32.shl (local.get $r) (i32.const 3)))))
      (local.set $s1 (v128.load64_splat (i32.add (local.get $fb1) (i32.shl (local.get $r) (i32.const 3)))))
      (local.set $x (f64x2.sub (v128.load offset=0 (local.get $yp)) (f64x2.mul (local.get $d0) (local.get $s))))
      (v128.store offset=0 (local.get $yp) (local.get $x))
      (local.set $a0 (f64x2.add (local.get $a0) (f64x2.mul (local.get $x) (local.get $s1))))
      (local.set $x (f64x2.sub (v128.load offset=16 (local.get $yp)) (f64x2.mul (local.get $d1) (local.get $s))))
      (v128.store offset=16 (local.get $yp) (local.get $x))
      (local.set $a1 (f64x2.add (local.get $a1) (f64x2.mul (local.get $x) (local.get $s1))))
      (local.set $x (f64x2.sub (v128.load offset=32 (local.get $yp)) (f64x2.mul (local.get $d2) (local.get $s))))
      (v128.store offset=32 (local.get $yp) (local.get $x))
      (local.set $a2 (f64x2.add (local.get $a2) (f64x2.mul (local.get $x) (local.get $s1))))
      (local.set $x (f64x2.sub (v128.load offset=48 (local.get $yp)) (f64x2.mul (local.get $d3) (local.get $s))))
      (v128.store offset=48 (local.get $yp) (local.get $x))
      (local.set $a3 (f64x2.add (local.get $a3) (f64x2.mul (local.get $x) (local.get $s1))))
      (local.set $yp (i32.add (local.get $yp) (local.get $rowBytes)))
      (br_if $rows (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 1))) (local.get $nRows))))
    (v128.store offset=0 (local.get $dptr) (local.get $a0))
    (v128.store offset=16 (local.get $dptr) (local.get $a1))
    (v128.store offset=32 (local.get $dptr) (local.get $a2))
    (v128.store offset=48 (local.get $dptr) (local.get $a3)))

  ;; sum_r ya[r]^2 over one column (stride rowBytes), in row order.
  (func $norm2 (param $ya i32) (param $nRows i32) (param $rowBytes i32) (result f64)
    (local $r i32) (local $x f64) (local $s f64)
    (loop $rows
      (local.set $x (f64.load (local.get $ya)))
      (local.set $s (f64.add (local.get $s) (f64.mul (local.get $x) (local.get $x))))
      (local.set $ya (i32.add (local.get $ya) (local.get $rowBytes)))
      (br_if $rows (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 1))) (local.get $nRows))))
    (local.get $s))

  ;; ya[r] *= inv over one column, the result also written to fa[r].
  (func $scale
    (param $ya i32) (param $fa i32) (param $inv f64) (param $nRows i32) (param $rowBytes i32)
    (local $r i32) (local $x f64)
    (loop $rows
      (local.set $x (f64.mul (f64.load (local.get $ya)) (local.get $inv)))
      (f64.store (local.get $ya) (local.get $x))
      (f64.store (i32.add (local.get $fa) (i32.shl (local.get $r) (i32.const 3))) (local.get $x))
      (local.set $ya (i32.add (local.get $ya) (local.get $rowBytes)))
      (br_if $rows (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 1))) (local.get $nRows))))))
