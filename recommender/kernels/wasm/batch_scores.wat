;; Scores every item for FOUR user vectors in one pass over the item rows:
;; out_b[i] = base_b + (bias[i] + u_b . q_i) for b = 0..3, the sum in
;; parentheses rounded to f32, then added to base_b in f64 and rounded to f32
;; (what `base + s[i]` does in JS over a Float32Array). Each row q_i is loaded once and
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
    (param $base0 f64) (param $base1 f64) (param $base2 f64) (param $base3 f64)
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
        ;; user 0: out[i] = base0 + (bias[i] + ((a0 + a1) + (a2 + a3)))
        (local.set $acc00 (f32x4.add (local.get $acc00) (local.get $acc01)))
        (f32.store (i32.add (local.get $out) (local.get $off))
          (f32.demote_f64 (f64.add (local.get $base0) (f64.promote_f32
            (f32.add
              (f32.load (i32.add (local.get $bias) (local.get $off)))
              (f32.add
                (f32.add (f32x4.extract_lane 0 (local.get $acc00))
                  (f32x4.extract_lane 1 (local.get $acc00)))
                (f32.add (f32x4.extract_lane 2 (local.get $acc00))
                  (f32x4.extract_lane 3 (local.get $acc00)))))))))
        ;; user 1: out[i] = base1 + (bias[i] + ((a0 + a1) + (a2 + a3)))
        (local.set $acc10 (f32x4.add (local.get $acc10) (local.get $acc11)))
        (f32.store (i32.add (local.get $out1) (local.get $off))
          (f32.demote_f64 (f64.add (local.get $base1) (f64.promote_f32
            (f32.add
              (f32.load (i32.add (local.get $bias) (local.get $off)))
              (f32.add
                (f32.add (f32x4.extract_lane 0 (local.get $acc10))
                  (f32x4.extract_lane 1 (local.get $acc10)))
                (f32.add (f32x4.extract_lane 2 (local.get $acc10))
                  (f32x4.extract_lane 3 (local.get $acc10)))))))))
        ;; user 2: out[i] = base2 + (bias[i] + ((a0 + a1) + (a2 + a3)))
        (local.set $acc20 (f32x4.add (local.get $acc20) (local.get $acc21)))
        (f32.store (i32.add (local.get $out2) (local.get $off))
          (f32.demote_f64 (f64.add (local.get $base2) (f64.promote_f32
            (f32.add
              (f32.load (i32.add (local.get $bias) (local.get $off)))
              (f32.add
                (f32.add (f32x4.extract_lane 0 (local.get $acc20))
                  (f32x4.extract_lane 1 (local.get $acc20)))
                (f32.add (f32x4.extract_lane 2 (local.get $acc20))
                  (f32x4.extract_lane 3 (local.get $acc20)))))))))
        ;; user 3: out[i] = base3 + (bias[i] + ((a0 + a1) + (a2 + a3)))
        (local.set $acc30 (f32x4.add (local.get $acc30) (local.get $acc31)))
        (f32.store (i32.add (local.get $out3) (local.get $off))
          (f32.demote_f64 (f64.add (local.get $base3) (f64.promote_f32
            (f32.add
              (f32.load (i32.add (local.get $bias) (local.get $off)))
              (f32.add
                (f32.add (f32x4.extract_lane 0 (local.get $acc30))
                  (f32x4.extract_lane 1 (local.get $acc30)))
                (f32.add (f32x4.extract_lane 2 (local.get $acc30))
                  (f32x4.extract_lane 3 (local.get $acc30)))))))))
        (local.set $q (i32.add (local.get $q) (local.get $rowBytes)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $items (i32.lt_u (local.get $i) (local.get $n))))))

  ;; The positions i in [from, to) with s[i] >= bar (NaN never), ascending,
  ;; into hits[1..]; returns their count. Stops after the step (sixteen
  ;; scores, or four near the end) in which the count reaches cap (so at
  ;; most cap + 15 are written) and stores
  ;; the next position to scan in hits[0] (to when it scanned everything).
  ;; s, hits: byte offsets, s 16-byte aligned; from and to multiples of 4.
  ;; Sixteen scores are tested per step (one any_true); a step with a hit
  ;; writes every position of its groups and advances the count by the mask
  ;; bits (no branch per score).
  (func (export "above")
    (param $s i32) (param $from i32) (param $to i32) (param $bar f32) (param $hits i32) (param $cap i32)
    (result i32)
    (local $i i32) (local $h i32) (local $end i32) (local $m i32) (local $g i32)
    (local $barv v128) (local $c0 v128) (local $c1 v128) (local $c2 v128) (local $c3 v128)
    (local.set $barv (f32x4.splat (local.get $bar)))
    (local.set $i (local.get $from))
    (local.set $h (i32.add (local.get $hits) (i32.const 4)))
    ;; stop once h reaches end (cap hits written)
    (local.set $end (i32.add (local.get $h) (i32.shl (local.get $cap) (i32.const 2))))
    (block $done
      ;; sixteen at a time
      (block $wideDone
      (loop $wide
        (br_if $done (i32.ge_u (local.get $h) (local.get $end)))
        (br_if $wideDone (i32.gt_u (i32.add (local.get $i) (i32.const 16)) (local.get $to)))
        (local.set $c0 (f32x4.ge
          (v128.load (i32.add (local.get $s) (i32.shl (local.get $i) (i32.const 2)))) (local.get $barv)))
        (local.set $c1 (f32x4.ge
          (v128.load offset=16 (i32.add (local.get $s) (i32.shl (local.get $i) (i32.const 2)))) (local.get $barv)))
        (local.set $c2 (f32x4.ge
          (v128.load offset=32 (i32.add (local.get $s) (i32.shl (local.get $i) (i32.const 2)))) (local.get $barv)))
        (local.set $c3 (f32x4.ge
          (v128.load offset=48 (i32.add (local.get $s) (i32.shl (local.get $i) (i32.const 2)))) (local.get $barv)))
        (if (v128.any_true
              (v128.or (v128.or (local.get $c0) (local.get $c1)) (v128.or (local.get $c2) (local.get $c3))))
          (then
            (local.set $m (i32.or
              (i32.or (i32x4.bitmask (local.get $c0))
                (i32.shl (i32x4.bitmask (local.get $c1)) (i32.const 4)))
              (i32.or (i32.shl (i32x4.bitmask (local.get $c2)) (i32.const 8))
                (i32.shl (i32x4.bitmask (local.get $c3)) (i32.const 12)))))
            (local.set $g (i32.const 0))
            (loop $bits
              (i32.store (local.get $h) (i32.add (local.get $i) (local.get $g)))
              (local.set $h (i32.add (local.get $h)
                (i32.shl (i32.and (i32.shr_u (local.get $m) (local.get $g)) (i32.const 1)) (i32.const 2))))
              (local.set $g (i32.add (local.get $g) (i32.const 1)))
              (br_if $bits (i32.lt_u (local.get $g) (i32.const 16))))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $wide)))
      ;; the last groups of four
      (loop $narrow
        (br_if $done (i32.ge_u (local.get $h) (local.get $end)))
        (br_if $done (i32.ge_u (local.get $i) (local.get $to)))
        (local.set $m (i32x4.bitmask (f32x4.ge
          (v128.load (i32.add (local.get $s) (i32.shl (local.get $i) (i32.const 2)))) (local.get $barv))))
        (local.set $g (i32.const 0))
        (loop $bits4
          (i32.store (local.get $h) (i32.add (local.get $i) (local.get $g)))
          (local.set $h (i32.add (local.get $h)
            (i32.shl (i32.and (i32.shr_u (local.get $m) (local.get $g)) (i32.const 1)) (i32.const 2))))
          (local.set $g (i32.add (local.get $g) (i32.const 1)))
          (br_if $bits4 (i32.lt_u (local.get $g) (i32.const 4))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $narrow)))
    (i32.store (local.get $hits) (local.get $i))
    (i32.shr_u (i32.sub (local.get $h) (i32.add (local.get $hits) (i32.const 4))) (i32.const 2))))
