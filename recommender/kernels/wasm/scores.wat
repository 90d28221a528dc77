;; Scores every item for one user vector: out[i] = bias[i] + u . q_i, four
;; floats per instruction with two accumulators (8 floats per step).
;;
;; u, q, bias, out are byte offsets into the imported memory; q holds n rows
;; of rowBytes bytes each, rowBytes a multiple of 32 (the row stride is padded
;; to 8 floats with zeros). Used by ../_wasm_scores.ts, for both scores (u a
;; user's factors) and cosines (u and q row-normalized, bias all zeros).
(module
  (import "env" "mem" (memory 1))
  (func (export "scores")
    (param $u i32) (param $q i32) (param $bias i32) (param $out i32) (param $n i32)
    (param $rowBytes i32)
    (local $i i32) (local $f i32) (local $off i32)
    (local $acc0 v128) (local $acc1 v128)
    (local.set $i (i32.const 0))
    (block $done
      (br_if $done (i32.eqz (local.get $n)))
      (loop $items
        (local.set $acc0 (f32x4.splat (f32.const 0)))
        (local.set $acc1 (f32x4.splat (f32.const 0)))
        (local.set $f (i32.const 0))
        ;; acc0 takes factors f .. f+3, acc1 f+4 .. f+7
        (loop $factors
          (local.set $acc0
            (f32x4.add (local.get $acc0)
              (f32x4.mul
                (v128.load (i32.add (local.get $u) (local.get $f)))
                (v128.load (i32.add (local.get $q) (local.get $f))))))
          (local.set $acc1
            (f32x4.add (local.get $acc1)
              (f32x4.mul
                (v128.load offset=16 (i32.add (local.get $u) (local.get $f)))
                (v128.load offset=16 (i32.add (local.get $q) (local.get $f))))))
          (local.set $f (i32.add (local.get $f) (i32.const 32)))
          (br_if $factors (i32.lt_u (local.get $f) (local.get $rowBytes))))
        (local.set $acc0 (f32x4.add (local.get $acc0) (local.get $acc1)))
        ;; out[i] = bias[i] + ((a0 + a1) + (a2 + a3))
        (local.set $off (i32.shl (local.get $i) (i32.const 2)))
        (f32.store (i32.add (local.get $out) (local.get $off))
          (f32.add
            (f32.load (i32.add (local.get $bias) (local.get $off)))
            (f32.add
              (f32.add (f32x4.extract_lane 0 (local.get $acc0))
                (f32x4.extract_lane 1 (local.get $acc0)))
              (f32.add (f32x4.extract_lane 2 (local.get $acc0))
                (f32x4.extract_lane 3 (local.get $acc0))))))
        (local.set $q (i32.add (local.get $q) (local.get $rowBytes)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $items (i32.lt_u (local.get $i) (local.get $n)))))))
