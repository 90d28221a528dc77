;; The primal EASE score of one user: the sum of the weight rows of the items
;; the user rated,
;;
;;   acc[j] = sum_{c in [0, nCols)} f64(B[cols[c] * nC + j])   for j in [0, nC)
;;
;; each acc[j] summed in c order with float64 adds of the float32 weights,
;; the same operations as the JS loop in ../../models/ease.ts, so the scores
;; are the same bits. acc: nC float64; cols: nCols int32 row numbers; B: the
;; row-major nC x nC float32 weights; byte offsets into the imported memory.
;; Four weights per step (two f64x2 adds). Used by ../_wasm_ease.ts.
;;
;; `block` computes the same sums for one block of columns of one user of a
;; batch, eight rows per load and store of each pair of sums (the evaluation's
;; ranking pass, `_EaseBatch`).
(module
  (import "env" "mem" (memory 1))
  (func (export "rows")
    (param $acc i32) (param $b i32) (param $cols i32) (param $nCols i32) (param $nC i32)
    (local $c i32) (local $row i32) (local $j i32) (local $n4 i32) (local $a i32) (local $v v128)
    (local.set $n4 (i32.and (local.get $nC) (i32.const -4)))
    ;; acc = 0
    (local.set $j (i32.const 0))
    (block $zeroed
      (br_if $zeroed (i32.eqz (local.get $nC)))
      (loop $zero
        (f64.store (i32.add (local.get $acc) (i32.shl (local.get $j) (i32.const 3))) (f64.const 0))
        (br_if $zero (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 1))) (local.get $nC)))))
    (local.set $c (i32.const 0))
    (block $done
      (br_if $done (i32.eqz (local.get $nCols)))
      (loop $rowsLoop
        (local.set $row
          (i32.add (local.get $b)
            (i32.shl
              (i32.mul
                (i32.load (i32.add (local.get $cols) (i32.shl (local.get $c) (i32.const 2))))
                (local.get $nC))
              (i32.const 2))))
        (local.set $j (i32.const 0))
        (block $quadsDone
          (br_if $quadsDone (i32.eqz (local.get $n4)))
          (loop $quads
            (local.set $v (v128.load (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 2)))))
            (local.set $a (i32.add (local.get $acc) (i32.shl (local.get $j) (i32.const 3))))
            (v128.store (local.get $a)
              (f64x2.add (v128.load (local.get $a)) (f64x2.promote_low_f32x4 (local.get $v))))
            (v128.store offset=16 (local.get $a)
              (f64x2.add (v128.load offset=16 (local.get $a))
                (f64x2.promote_low_f32x4
                  (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7
                    (local.get $v) (local.get $v)))))
            (br_if $quads
              (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 4))) (local.get $n4)))))
        ;; the last nC mod 4 weights
        (block $tailDone
          (loop $tail
            (br_if $tailDone (i32.ge_u (local.get $j) (local.get $nC)))
            (local.set $a (i32.add (local.get $acc) (i32.shl (local.get $j) (i32.const 3))))
            (f64.store (local.get $a)
              (f64.add (f64.load (local.get $a))
                (f64.promote_f32
                  (f32.load (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 2)))))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $tail)))
        (br_if $rowsLoop
          (i32.lt_u (local.tee $c (i32.add (local.get $c) (i32.const 1))) (local.get $nCols))))))
  ;; One block of columns of one user's scores, for a batch of users (../_wasm_ease.ts):
  ;;
  ;;   out[kept[j]] = f32(sum_{c in [0, nCols)} f64(B[cols[c] * nC + j]))   for j in [j0, j0 + len)
  ;;
  ;; each sum from 0 in c order with float64 adds of the float32 weights, as `rows`
  ;; (the same bits), then rounded to float32 as the JS store into a Float32Array
  ;; does. The block's sums (acc: len float64) stay in L1, and the rows are read
  ;; 8 at a time: each pair of sums is loaded and stored once per 8 rows (the
  ;; adds in between in c order, in registers), where `rows` loads and stores it
  ;; for every row; the last rows go one at a time. The block's chunks of the rows
  ;; stay in the cache for the batch's next users. kept: nC int32 dense positions;
  ;; out: the user's float32 scores.
  (func (export "block")
    (param $acc i32) (param $b i32) (param $cols i32) (param $nCols i32) (param $nC i32)
    (param $j0 i32) (param $len i32) (param $kept i32) (param $out i32)
    (local $j i32) (local $o i32) (local $n4 i32) (local $c i32) (local $cEnd i32) (local $a i32)
    (local $r0 i32) (local $r1 i32) (local $r2 i32) (local $r3 i32) (local $r4 i32) (local $r5 i32) (local $r6 i32) (local $r7 i32)
    (local $s f64) (local $v v128) (local $lo v128) (local $hi v128)
    (local.set $n4 (i32.and (local.get $len) (i32.const -4)))
    ;; acc = 0
    (local.set $j (i32.const 0))
    (block $zeroed
      (loop $zero
        (br_if $zeroed (i32.ge_u (local.get $j) (local.get $len)))
        (f64.store (i32.add (local.get $acc) (i32.shl (local.get $j) (i32.const 3))) (f64.const 0))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $zero)))
    (local.set $c (local.get $cols))
    (local.set $cEnd (i32.add (local.get $cols) (i32.shl (local.get $nCols) (i32.const 2))))
    ;; 8 rows at a time
    (block $manyDone
      (loop $many
        (br_if $manyDone (i32.gt_u (i32.add (local.get $c) (i32.const 32)) (local.get $cEnd)))
        (local.set $r0 (i32.add (local.get $b)
          (i32.shl
            (i32.add (i32.mul (i32.load offset=0 (local.get $c)) (local.get $nC)) (local.get $j0))
            (i32.const 2))))
        (local.set $r1 (i32.add (local.get $b)
          (i32.shl
            (i32.add (i32.mul (i32.load offset=4 (local.get $c)) (local.get $nC)) (local.get $j0))
            (i32.const 2))))
        (local.set $r2 (i32.add (local.get $b)
          (i32.shl
            (i32.add (i32.mul (i32.load offset=8 (local.get $c)) (local.get $nC)) (local.get $j0))
            (i32.const 2))))
        (local.set $r3 (i32.add (local.get $b)
          (i32.shl
            (i32.add (i32.mul (i32.load offset=12 (local.get $c)) (local.get $nC)) (local.get $j0))
            (i32.const 2))))
        (local.set $r4 (i32.add (local.get $b)
          (i32.shl
            (i32.add (i32.mul (i32.load offset=16 (local.get $c)) (local.get $nC)) (local.get $j0))
            (i32.const 2))))
        (local.set $r5 (i32.add (local.get $b)
          (i32.shl
            (i32.add (i32.mul (i32.load offset=20 (local.get $c)) (local.get $nC)) (local.get $j0))
            (i32.const 2))))
        (local.set $r6 (i32.add (local.get $b)
          (i32.shl
            (i32.add (i32.mul (i32.load offset=24 (local.get $c)) (local.get $nC)) (local.get $j0))
            (i32.const 2))))
        (local.set $r7 (i32.add (local.get $b)
          (i32.shl
            (i32.add (i32.mul (i32.load offset=28 (local.get $c)) (local.get $nC)) (local.get $j0))
            (i32.const 2))))
        (local.set $j (i32.const 0))
        (block $manyQuadsDone
          (loop $manyQuads
            (br_if $manyQuadsDone (i32.ge_u (local.get $j) (local.get $n4)))
            (local.set $a (i32.add (local.get $acc) (i32.shl (local.get $j) (i32.const 3))))
            (local.set $o (i32.shl (local.get $j) (i32.const 2)))
            (local.set $lo (v128.load (local.get $a)))
            (local.set $hi (v128.load offset=16 (local.get $a)))
            (local.set $v (v128.load (i32.add (local.get $r0) (local.get $o))))
            (local.set $lo (f64x2.add (local.get $lo) (f64x2.promote_low_f32x4 (local.get $v))))
            (local.set $hi (f64x2.add (local.get $hi) (f64x2.promote_low_f32x4
              (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v)))))
            (local.set $v (v128.load (i32.add (local.get $r1) (local.get $o))))
            (local.set $lo (f64x2.add (local.get $lo) (f64x2.promote_low_f32x4 (local.get $v))))
            (local.set $hi (f64x2.add (local.get $hi) (f64x2.promote_low_f32x4
              (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v)))))
            (local.set $v (v128.load (i32.add (local.get $r2) (local.get $o))))
            (local.set $lo (f64x2.add (local.get $lo) (f64x2.promote_low_f32x4 (local.get $v))))
            (local.set $hi (f64x2.add (local.get $hi) (f64x2.promote_low_f32x4
              (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v)))))
            (local.set $v (v128.load (i32.add (local.get $r3) (local.get $o))))
            (local.set $lo (f64x2.add (local.get $lo) (f64x2.promote_low_f32x4 (local.get $v))))
            (local.set $hi (f64x2.add (local.get $hi) (f64x2.promote_low_f32x4
              (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v)))))
            (local.set $v (v128.load (i32.add (local.get $r4) (local.get $o))))
            (local.set $lo (f64x2.add (local.get $lo) (f64x2.promote_low_f32x4 (local.get $v))))
            (local.set $hi (f64x2.add (local.get $hi) (f64x2.promote_low_f32x4
              (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v)))))
            (local.set $v (v128.load (i32.add (local.get $r5) (local.get $o))))
            (local.set $lo (f64x2.add (local.get $lo) (f64x2.promote_low_f32x4 (local.get $v))))
            (local.set $hi (f64x2.add (local.get $hi) (f64x2.promote_low_f32x4
              (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v)))))
            (local.set $v (v128.load (i32.add (local.get $r6) (local.get $o))))
            (local.set $lo (f64x2.add (local.get $lo) (f64x2.promote_low_f32x4 (local.get $v))))
            (local.set $hi (f64x2.add (local.get $hi) (f64x2.promote_low_f32x4
              (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v)))))
            (local.set $v (v128.load (i32.add (local.get $r7) (local.get $o))))
            (local.set $lo (f64x2.add (local.get $lo) (f64x2.promote_low_f32x4 (local.get $v))))
            (local.set $hi (f64x2.add (local.get $hi) (f64x2.promote_low_f32x4
              (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v)))))
            (v128.store (local.get $a) (local.get $lo))
            (v128.store offset=16 (local.get $a) (local.get $hi))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $manyQuads)))
        (block $manyTailDone
          (loop $manyTail
            (br_if $manyTailDone (i32.ge_u (local.get $j) (local.get $len)))
            (local.set $a (i32.add (local.get $acc) (i32.shl (local.get $j) (i32.const 3))))
            (local.set $o (i32.shl (local.get $j) (i32.const 2)))
            (local.set $s (f64.load (local.get $a)))
            (local.set $s (f64.add (local.get $s)
              (f64.promote_f32 (f32.load (i32.add (local.get $r0) (local.get $o))))))
            (local.set $s (f64.add (local.get $s)
              (f64.promote_f32 (f32.load (i32.add (local.get $r1) (local.get $o))))))
            (local.set $s (f64.add (local.get $s)
              (f64.promote_f32 (f32.load (i32.add (local.get $r2) (local.get $o))))))
            (local.set $s (f64.add (local.get $s)
              (f64.promote_f32 (f32.load (i32.add (local.get $r3) (local.get $o))))))
            (local.set $s (f64.add (local.get $s)
              (f64.promote_f32 (f32.load (i32.add (local.get $r4) (local.get $o))))))
            (local.set $s (f64.add (local.get $s)
              (f64.promote_f32 (f32.load (i32.add (local.get $r5) (local.get $o))))))
            (local.set $s (f64.add (local.get $s)
              (f64.promote_f32 (f32.load (i32.add (local.get $r6) (local.get $o))))))
            (local.set $s (f64.add (local.get $s)
              (f64.promote_f32 (f32.load (i32.add (local.get $r7) (local.get $o))))))
            (f64.store (local.get $a) (local.get $s))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $manyTail)))
        (local.set $c (i32.add (local.get $c) (i32.const 32)))
        (br $many)))
    ;; the last rows four at a time
    (block $fourDone
      (loop $four
        (br_if $fourDone (i32.gt_u (i32.add (local.get $c) (i32.const 16)) (local.get $cEnd)))
        (local.set $r0 (i32.add (local.get $b)
          (i32.shl
            (i32.add (i32.mul (i32.load offset=0 (local.get $c)) (local.get $nC)) (local.get $j0))
            (i32.const 2))))
        (local.set $r1 (i32.add (local.get $b)
          (i32.shl
            (i32.add (i32.mul (i32.load offset=4 (local.get $c)) (local.get $nC)) (local.get $j0))
            (i32.const 2))))
        (local.set $r2 (i32.add (local.get $b)
          (i32.shl
            (i32.add (i32.mul (i32.load offset=8 (local.get $c)) (local.get $nC)) (local.get $j0))
            (i32.const 2))))
        (local.set $r3 (i32.add (local.get $b)
          (i32.shl
            (i32.add (i32.mul (i32.load offset=12 (local.get $c)) (local.get $nC)) (local.get $j0))
            (i32.const 2))))
        (local.set $j (i32.const 0))
        (block $fourQuadsDone
          (loop $fourQuads
            (br_if $fourQuadsDone (i32.ge_u (local.get $j) (local.get $n4)))
            (local.set $a (i32.add (local.get $acc) (i32.shl (local.get $j) (i32.const 3))))
            (local.set $o (i32.shl (local.get $j) (i32.const 2)))
            (local.set $lo (v128.load (local.get $a)))
            (local.set $hi (v128.load offset=16 (local.get $a)))
            (local.set $v (v128.load (i32.add (local.get $r0) (local.get $o))))
            (local.set $lo (f64x2.add (local.get $lo) (f64x2.promote_low_f32x4 (local.get $v))))
            (local.set $hi (f64x2.add (local.get $hi) (f64x2.promote_low_f32x4
              (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v)))))
            (local.set $v (v128.load (i32.add (local.get $r1) (local.get $o))))
            (local.set $lo (f64x2.add (local.get $lo) (f64x2.promote_low_f32x4 (local.get $v))))
            (local.set $hi (f64x2.add (local.get $hi) (f64x2.promote_low_f32x4
              (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v)))))
            (local.set $v (v128.load (i32.add (local.get $r2) (local.get $o))))
            (local.set $lo (f64x2.add (local.get $lo) (f64x2.promote_low_f32x4 (local.get $v))))
            (local.set $hi (f64x2.add (local.get $hi) (f64x2.promote_low_f32x4
              (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v)))))
            (local.set $v (v128.load (i32.add (local.get $r3) (local.get $o))))
            (local.set $lo (f64x2.add (local.get $lo) (f64x2.promote_low_f32x4 (local.get $v))))
            (local.set $hi (f64x2.add (local.get $hi) (f64x2.promote_low_f32x4
              (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v)))))
            (v128.store (local.get $a) (local.get $lo))
            (v128.store offset=16 (local.get $a) (local.get $hi))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $fourQuads)))
        (block $fourTailDone
          (loop $fourTail
            (br_if $fourTailDone (i32.ge_u (local.get $j) (local.get $len)))
            (local.set $a (i32.add (local.get $acc) (i32.shl (local.get $j) (i32.const 3))))
            (local.set $o (i32.shl (local.get $j) (i32.const 2)))
            (local.set $s (f64.load (local.get $a)))
            (local.set $s (f64.add (local.get $s)
              (f64.promote_f32 (f32.load (i32.add (local.get $r0) (local.get $o))))))
            (local.set $s (f64.add (local.get $s)
              (f64.promote_f32 (f32.load (i32.add (local.get $r1) (local.get $o))))))
            (local.set $s (f64.add (local.get $s)
              (f64.promote_f32 (f32.load (i32.add (local.get $r2) (local.get $o))))))
            (local.set $s (f64.add (local.get $s)
              (f64.promote_f32 (f32.load (i32.add (local.get $r3) (local.get $o))))))
            (f64.store (local.get $a) (local.get $s))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $fourTail)))
        (local.set $c (i32.add (local.get $c) (i32.const 16)))
        (br $four)))
    ;; then one at a time
    (block $oneDone
      (loop $one
        (br_if $oneDone (i32.gt_u (i32.add (local.get $c) (i32.const 4)) (local.get $cEnd)))
        (local.set $r0 (i32.add (local.get $b)
          (i32.shl
            (i32.add (i32.mul (i32.load offset=0 (local.get $c)) (local.get $nC)) (local.get $j0))
            (i32.const 2))))
        (local.set $j (i32.const 0))
        (block $oneQuadsDone
          (loop $oneQuads
            (br_if $oneQuadsDone (i32.ge_u (local.get $j) (local.get $n4)))
            (local.set $a (i32.add (local.get $acc) (i32.shl (local.get $j) (i32.const 3))))
            (local.set $o (i32.shl (local.get $j) (i32.const 2)))
            (local.set $lo (v128.load (local.get $a)))
            (local.set $hi (v128.load offset=16 (local.get $a)))
            (local.set $v (v128.load (i32.add (local.get $r0) (local.get $o))))
            (local.set $lo (f64x2.add (local.get $lo) (f64x2.promote_low_f32x4 (local.get $v))))
            (local.set $hi (f64x2.add (local.get $hi) (f64x2.promote_low_f32x4
              (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v)))))
            (v128.store (local.get $a) (local.get $lo))
            (v128.store offset=16 (local.get $a) (local.get $hi))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $oneQuads)))
        (block $oneTailDone
          (loop $oneTail
            (br_if $oneTailDone (i32.ge_u (local.get $j) (local.get $len)))
            (local.set $a (i32.add (local.get $acc) (i32.shl (local.get $j) (i32.const 3))))
            (local.set $o (i32.shl (local.get $j) (i32.const 2)))
            (local.set $s (f64.load (local.get $a)))
            (local.set $s (f64.add (local.get $s)
              (f64.promote_f32 (f32.load (i32.add (local.get $r0) (local.get $o))))))
            (f64.store (local.get $a) (local.get $s))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $oneTail)))
        (local.set $c (i32.add (local.get $c) (i32.const 4)))
        (br $one)))
    ;; out[kept[j0 + j]] = f32(acc[j])
    (local.set $kept (i32.add (local.get $kept) (i32.shl (local.get $j0) (i32.const 2))))
    (local.set $j (i32.const 0))
    (block $putDone
      (loop $put
        (br_if $putDone (i32.ge_u (local.get $j) (local.get $len)))
        (f32.store
          (i32.add (local.get $out)
            (i32.shl (i32.load (i32.add (local.get $kept) (i32.shl (local.get $j) (i32.const 2))))
              (i32.const 2)))
          (f32.demote_f64 (f64.load (i32.add (local.get $acc) (i32.shl (local.get $j) (i32.const 3))))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $put))))
)
