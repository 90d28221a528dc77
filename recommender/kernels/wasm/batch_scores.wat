;; Scores every item for FOUR user vectors in one pass over the item rows:
;; out_b[i] = bias[i] + u_b . q_i for b = 0..3. Each row q_i is loaded once and
;; multiplied with the four users, so eight independent accumulator chains
;; (two per user) keep the SIMD units busy where scores.wat has two.
;;
;; Each user's arithmetic is scores.wat's step for step (acc0 takes factors
;; f .. f+3 and acc1 f+4 .. f+7, then acc0 + acc1 and
;; bias + ((a0 + a1) + (a2 + a3))), so the scores are the same bits.
;;
;; u, q, bias, out are byte offsets into the imported memory: the four users
;; are rows u, u + rowBytes, u + 2 rowBytes, u + 3 rowBytes; their outputs
;; start at out, out + outStride, ...; q holds n rows of rowBytes bytes (a
;; multiple of 32: rows padded to 8 floats with zeros). Used by
;; ../_batch_scorer.ts (the evaluate stage ranks 16 users per pass).
(module
  (import "env" "mem" (memory 1))
  (func (export "scores4")
    (param $u i32) (param $q i32) (param $bias i32) (param $out i32) (param $n i32)
    (param $rowBytes i32) (param $outStride i32)
    (local $i i32) (local $f i32) (local $off i32)
    (local $u1 i32) (local $u2 i32) (local $u3 i32)
    (local $out1 i32) (local $out2 i32) (local $out3 i32)
    (local $acc00 v128) (local $acc01 v128) (local $acc10 v128) (local $acc11 v128) (local $acc20 v128) (local $acc21 v128) (local $acc30 v128) (local $acc31 v128)
    (local $q0 v128) (local $q1 v128)
    ;; the other users' rows and outputs
    (local.set $u1 (i32.add (local.get $u) (local.get $rowBytes)))
    (local.set $out1 (i32.add (local.get $out) (local.get $outStride)))
    (local.set $u2 (i32.add (local.get $u1) (local.get $rowBytes)))
    (local.set $out2 (i32.add (local.get $out1) (local.get $outStride)))
    (local.set $u3 (i32.add (local.get $u2) (local.get $rowBytes)))
    (local.set $out3 (i32.add (local.get $out2) (local.get $outStride)))
    (local.set $i (i32.const 0))
    (block $done
      (br_if $done (i32.eqz (local.get $n)))
      (loop $items
        (local.set $acc00 (f32x4.splat (f32.const 0)))
        (local.set $acc01 (f32x4.splat (f32.const 0)))
        (local.set $acc10 (f32x4.splat (f32.const 0)))
        (local.set $acc11 (f32x4.splat (f32.const 0)))
        (local.set $acc20 (f32x4.splat (f32.const 0)))
        (local.set $acc21 (f32x4.splat (f32.const 0)))
        (local.set $acc30 (f32x4.splat (f32.const 0)))
        (local.set $acc31 (f32x4.splat (f32.const 0)))
        (local.set $f (i32.const 0))
        (loop $factors
          ;; one row's 8 factors, then every user's 8 against them
          (local.set $q0 (v128.load (i32.add (local.get $q) (local.get $f))))
          (local.set $q1 (v128.load offset=16 (i32.add (local.get $q) (local.get $f))))
          (local.set $acc00
            (f32x4.add (local.get $acc00)
              (f32x4.mul (v128.load (i32.add (local.get $u) (local.get $f))) (local.get $q0))))
          (local.set $acc01
            (f32x4.add (local.get $acc01)
              (f32x4.mul (v128.load offset=16 (i32.add (local.get $u) (local.get $f))) (local.get $q1))))
          (local.set $acc10
            (f32x4.add (local.get $acc10)
              (f32x4.mul (v128.load (i32.add (local.get $u1) (local.get $f))) (local.get $q0))))
          (local.set $acc11
            (f32x4.add (local.get $acc11)
              (f32x4.mul (v128.load offset=16 (i32.add (local.get $u1) (local.get $f))) (local.get $q1))))
          (local.set $acc20
            (f32x4.add (local.get $acc20)
              (f32x4.mul (v128.load (i32.add (local.get $u2) (local.get $f))) (local.get $q0))))
          (local.set $acc21
            (f32x4.add (local.get $acc21)
              (f32x4.mul (v128.load offset=16 (i32.add (local.get $u2) (local.get $f))) (local.get $q1))))
          (local.set $acc30
            (f32x4.add (local.get $acc30)
              (f32x4.mul (v128.load (i32.add (local.get $u3) (local.get $f))) (local.get $q0))))
          (local.set $acc31
            (f32x4.add (local.get $acc31)
              (f32x4.mul (v128.load offset=16 (i32.add (local.get $u3) (local.get $f))) (local.get $q1))))
          (local.set $f (i32.add (local.get $f) (i32.const 32)))
          (br_if $factors (i32.lt_u (local.get $f) (local.get $rowBytes))))
        (local.set $off (i32.shl (local.get $i) (i32.const 2)))
        ;; user 0: out[i] = bias[i] + ((a0 + a1) + (a2 + a3))
        (local.set $acc00 (f32x4.add (local.get $acc00) (local.get $acc01)))
        (f32.store (i32.add (local.get $out) (local.get $off))
          (f32.add
            (f32.load (i32.add (local.get $bias) (local.get $off)))
            (f32.add
              (f32.add (f32x4.extract_lane 0 (local.get $acc00))
                (f32x4.extract_lane 1 (local.get $acc00)))
              (f32.add (f32x4.extract_lane 2 (local.get $acc00))
                (f32x4.extract_lane 3 (local.get $acc00))))))
        ;; user 1: out[i] = bias[i] + ((a0 + a1) + (a2 + a3))
        (local.set $acc10 (f32x4.add (local.get $acc10) (local.get $acc11)))
        (f32.store (i32.add (local.get $out1) (local.get $off))
          (f32.add
            (f32.load (i32.add (local.get $bias) (local.get $off)))
            (f32.add
              (f32.add (f32x4.extract_lane 0 (local.get $acc10))
                (f32x4.extract_lane 1 (local.get $acc10)))
              (f32.add (f32x4.extract_lane 2 (local.get $acc10))
                (f32x4.extract_lane 3 (local.get $acc10))))))
        ;; user 2: out[i] = bias[i] + ((a0 + a1) + (a2 + a3))
        (local.set $acc20 (f32x4.add (local.get $acc20) (local.get $acc21)))
        (f32.store (i32.add (local.get $out2) (local.get $off))
          (f32.add
            (f32.load (i32.add (local.get $bias) (local.get $off)))
            (f32.add
              (f32.add (f32x4.extract_lane 0 (local.get $acc20))
                (f32x4.extract_lane 1 (local.get $acc20)))
              (f32.add (f32x4.extract_lane 2 (local.get $acc20))
                (f32x4.extract_lane 3 (local.get $acc20))))))
        ;; user 3: out[i] = bias[i] + ((a0 + a1) + (a2 + a3))
        (local.set $acc30 (f32x4.add (local.get $acc30) (local.get $acc31)))
        (f32.store (i32.add (local.get $out3) (local.get $off))
          (f32.add
            (f32.load (i32.add (local.get $bias) (local.get $off)))
            (f32.add
              (f32.add (f32x4.extract_lane 0 (local.get $acc30))
                (f32x4.extract_lane 1 (local.get $acc30)))
              (f32.add (f32x4.extract_lane 2 (local.get $acc30))
                (f32x4.extract_lane 3 (local.get $acc30))))))
        (local.set $q (i32.add (local.get $q) (local.get $rowBytes)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $items (i32.lt_u (local.get $i) (local.get $n)))))))
