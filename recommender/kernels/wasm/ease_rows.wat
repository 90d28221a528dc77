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
          (i32.lt_u (local.tee $c (i32.add (local.get $c) (i32.const 1))) (local.get $nCols)))))))
