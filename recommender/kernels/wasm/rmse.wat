;; Squared errors of a biased factor model's clipped predictions, added in
;; rating order to `se` and returned: the per-epoch loss of als and biased-mf
;; (../_wasm_rmse.ts, ../../models/_biased_rmse.ts).
;;
;; The same bits as the JS loop: each prediction is the f64 chain
;;   p = mu + bu[u] + bi[i] + P[u,0] * Q[i,0] + ... + P[u,k-1] * Q[i,k-1]
;; in that order (each f32 promoted to f64, so every product is exact and
;; every addition one f64 rounding), clipped to [lo, hi] as
;; `p < lo ? lo : p > hi ? hi : p`, then `se += (p - r) * (p - r)`.
;; Four ratings run at once as two f64x2 chains (ratings a, b and c, d), four
;; factors per step: the factors of two ratings are interleaved, promoted to
;; f64x2 and multiplied lane by lane, and each lane adds its products in
;; factor order. A group of four with an unknown id (-1), and the last
;; (n mod 4) ratings, take the one-rating path.
;;
;; u, i, r: byte offsets of n i32 user indices, n i32 item indices, n f32
;; ratings; p, q: rows of the factors, `rowBytes` bytes apart; bu, bi: f32
;; biases. All in the imported memory.
(module
  (import "env" "mem" (memory 1))

  ;; one rating's clipped prediction; unknown ids get the biases they have
  (func $one
    (param $u i32) (param $i i32) (param $p i32) (param $q i32) (param $bu i32) (param $bi i32)
    (param $k i32) (param $rowBytes i32) (param $mu f64) (param $lo f64) (param $hi f64)
    (result f64)
    (local $acc f64) (local $pa i32) (local $qa i32) (local $end i32)
    (local.set $acc (local.get $mu))
    (if (i32.ge_s (local.get $u) (i32.const 0))
      (then
        (local.set $acc (f64.add (local.get $acc)
          (f64.promote_f32 (f32.load (i32.add (local.get $bu)
            (i32.shl (local.get $u) (i32.const 2)))))))))
    (if (i32.ge_s (local.get $i) (i32.const 0))
      (then
        (local.set $acc (f64.add (local.get $acc)
          (f64.promote_f32 (f32.load (i32.add (local.get $bi)
            (i32.shl (local.get $i) (i32.const 2)))))))))
    (if (i32.and (i32.ge_s (local.get $u) (i32.const 0)) (i32.ge_s (local.get $i) (i32.const 0)))
      (then
        (local.set $pa (i32.add (local.get $p) (i32.mul (local.get $u) (local.get $rowBytes))))
        (local.set $qa (i32.add (local.get $q) (i32.mul (local.get $i) (local.get $rowBytes))))
        (local.set $end (i32.add (local.get $pa) (i32.shl (local.get $k) (i32.const 2))))
        (block $done
          (loop $f
            (br_if $done (i32.ge_u (local.get $pa) (local.get $end)))
            (local.set $acc (f64.add (local.get $acc)
              (f64.mul (f64.promote_f32 (f32.load (local.get $pa)))
                (f64.promote_f32 (f32.load (local.get $qa))))))
            (local.set $pa (i32.add (local.get $pa) (i32.const 4)))
            (local.set $qa (i32.add (local.get $qa) (i32.const 4)))
            (br $f)))))
    (call $clip (local.get $acc) (local.get $lo) (local.get $hi)))

  (func $clip (param $x f64) (param $lo f64) (param $hi f64) (result f64)
    (select (local.get $lo)
      (select (local.get $hi) (local.get $x) (f64.gt (local.get $x) (local.get $hi)))
      (f64.lt (local.get $x) (local.get $lo))))

  ;; the remaining factors [f, k) of one lane, added in order to `acc`
  (func $tail (param $acc f64) (param $pa i32) (param $qa i32) (param $n i32) (result f64)
    (block $done
      (loop $f
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $acc (f64.add (local.get $acc)
          (f64.mul (f64.promote_f32 (f32.load (local.get $pa)))
            (f64.promote_f32 (f32.load (local.get $qa))))))
        (local.set $pa (i32.add (local.get $pa) (i32.const 4)))
        (local.set $qa (i32.add (local.get $qa) (i32.const 4)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $f)))
    (local.get $acc))

  ;; the squared error of clipped prediction x against the f32 rating at byte offset r
  (func $sq (param $x f64) (param $r i32) (result f64)
    (local $d f64)
    (local.set $d (f64.sub (local.get $x) (f64.promote_f32 (f32.load (local.get $r)))))
    (f64.mul (local.get $d) (local.get $d)))

  (func (export "sse")
    (param $n i32) (param $u i32) (param $i i32) (param $r i32)
    (param $p i32) (param $q i32) (param $bu i32) (param $bi i32)
    (param $k i32) (param $rowBytes i32)
    (param $mu f64) (param $lo f64) (param $hi f64) (param $se f64)
    (result f64)
    (local $e i32) (local $j i32) (local $k4 i32) (local $f i32)
    (local $ua i32) (local $ub i32) (local $uc i32) (local $ud i32)
    (local $ia i32) (local $ib i32) (local $ic i32) (local $id i32)
    (local $pa i32) (local $pb i32) (local $pc i32) (local $pd i32)
    (local $qa i32) (local $qb i32) (local $qc i32) (local $qd i32)
    (local $ab v128) (local $cd v128) (local $x v128) (local $y v128)
    (local $xa f64) (local $xb f64) (local $xc f64) (local $xd f64)
    (local.set $k4 (i32.and (local.get $k) (i32.const -4)))
    (local.set $e (i32.const 0))
    (block $groups
      (loop $group
        (br_if $groups (i32.gt_u (i32.add (local.get $e) (i32.const 4)) (local.get $n)))
        (local.set $j (i32.shl (local.get $e) (i32.const 2)))
        (local.set $ua (i32.load (i32.add (local.get $u) (local.get $j))))
        (local.set $ub (i32.load offset=4 (i32.add (local.get $u) (local.get $j))))
        (local.set $uc (i32.load offset=8 (i32.add (local.get $u) (local.get $j))))
        (local.set $ud (i32.load offset=12 (i32.add (local.get $u) (local.get $j))))
        (local.set $ia (i32.load (i32.add (local.get $i) (local.get $j))))
        (local.set $ib (i32.load offset=4 (i32.add (local.get $i) (local.get $j))))
        (local.set $ic (i32.load offset=8 (i32.add (local.get $i) (local.get $j))))
        (local.set $id (i32.load offset=12 (i32.add (local.get $i) (local.get $j))))
        (if (i32.lt_s
              (i32.or
                (i32.or (i32.or (local.get $ua) (local.get $ub)) (i32.or (local.get $uc) (local.get $ud)))
                (i32.or (i32.or (local.get $ia) (local.get $ib)) (i32.or (local.get $ic) (local.get $id))))
              (i32.const 0))
          (then
            ;; an unknown id among the four: one at a time, in order
            (local.set $f (i32.const 0))
            (loop $each
              (local.set $se (f64.add (local.get $se)
                (call $sq
                  (call $one
                    (i32.load (i32.add (local.get $u) (i32.add (local.get $j) (local.get $f))))
                    (i32.load (i32.add (local.get $i) (i32.add (local.get $j) (local.get $f))))
                    (local.get $p) (local.get $q) (local.get $bu) (local.get $bi)
                    (local.get $k) (local.get $rowBytes)
                    (local.get $mu) (local.get $lo) (local.get $hi))
                  (i32.add (local.get $r) (i32.add (local.get $j) (local.get $f))))))
              (local.set $f (i32.add (local.get $f) (i32.const 4)))
              (br_if $each (i32.lt_u (local.get $f) (i32.const 16))))
            (local.set $e (i32.add (local.get $e) (i32.const 4)))
            (br $group)))
        ;; mu + bu + bi, per lane
        (local.set $ab
          (f64x2.replace_lane 1
            (f64x2.splat
              (f64.add
                (f64.add (local.get $mu)
                  (f64.promote_f32 (f32.load (i32.add (local.get $bu) (i32.shl (local.get $ua) (i32.const 2))))))
                (f64.promote_f32 (f32.load (i32.add (local.get $bi) (i32.shl (local.get $ia) (i32.const 2)))))))
            (f64.add
              (f64.add (local.get $mu)
                (f64.promote_f32 (f32.load (i32.add (local.get $bu) (i32.shl (local.get $ub) (i32.const 2))))))
              (f64.promote_f32 (f32.load (i32.add (local.get $bi) (i32.shl (local.get $ib) (i32.const 2))))))))
        (local.set $cd
          (f64x2.replace_lane 1
            (f64x2.splat
              (f64.add
                (f64.add (local.get $mu)
                  (f64.promote_f32 (f32.load (i32.add (local.get $bu) (i32.shl (local.get $uc) (i32.const 2))))))
                (f64.promote_f32 (f32.load (i32.add (local.get $bi) (i32.shl (local.get $ic) (i32.const 2)))))))
            (f64.add
              (f64.add (local.get $mu)
                (f64.promote_f32 (f32.load (i32.add (local.get $bu) (i32.shl (local.get $ud) (i32.const 2))))))
              (f64.promote_f32 (f32.load (i32.add (local.get $bi) (i32.shl (local.get $id) (i32.const 2))))))))
        (local.set $pa (i32.add (local.get $p) (i32.mul (local.get $ua) (local.get $rowBytes))))
        (local.set $pb (i32.add (local.get $p) (i32.mul (local.get $ub) (local.get $rowBytes))))
        (local.set $pc (i32.add (local.get $p) (i32.mul (local.get $uc) (local.get $rowBytes))))
        (local.set $pd (i32.add (local.get $p) (i32.mul (local.get $ud) (local.get $rowBytes))))
        (local.set $qa (i32.add (local.get $q) (i32.mul (local.get $ia) (local.get $rowBytes))))
        (local.set $qb (i32.add (local.get $q) (i32.mul (local.get $ib) (local.get $rowBytes))))
        (local.set $qc (i32.add (local.get $q) (i32.mul (local.get $ic) (local.get $rowBytes))))
        (local.set $qd (i32.add (local.get $q) (i32.mul (local.get $id) (local.get $rowBytes))))
        ;; factors f .. f+3 of the four ratings; $f is a byte offset
        (local.set $f (i32.const 0))
        (block $vdone
          (loop $v
            (br_if $vdone (i32.ge_u (local.get $f) (i32.shl (local.get $k4) (i32.const 2))))
            ;; a, b: x = [pa0 pb0 pa1 pb1], y = [qa0 qb0 qa1 qb1]
            (local.set $x (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23
              (v128.load (i32.add (local.get $pa) (local.get $f)))
              (v128.load (i32.add (local.get $pb) (local.get $f)))))
            (local.set $y (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23
              (v128.load (i32.add (local.get $qa) (local.get $f)))
              (v128.load (i32.add (local.get $qb) (local.get $f)))))
            (local.set $ab (f64x2.add (local.get $ab)
              (f64x2.mul (f64x2.promote_low_f32x4 (local.get $x))
                (f64x2.promote_low_f32x4 (local.get $y)))))
            (local.set $ab (f64x2.add (local.get $ab)
              (f64x2.mul
                (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7
                  (local.get $x) (local.get $x)))
                (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7
                  (local.get $y) (local.get $y))))))
            ;; x = [pa2 pb2 pa3 pb3], y = [qa2 qb2 qa3 qb3]
            (local.set $x (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31
              (v128.load (i32.add (local.get $pa) (local.get $f)))
              (v128.load (i32.add (local.get $pb) (local.get $f)))))
            (local.set $y (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31
              (v128.load (i32.add (local.get $qa) (local.get $f)))
              (v128.load (i32.add (local.get $qb) (local.get $f)))))
            (local.set $ab (f64x2.add (local.get $ab)
              (f64x2.mul (f64x2.promote_low_f32x4 (local.get $x))
                (f64x2.promote_low_f32x4 (local.get $y)))))
            (local.set $ab (f64x2.add (local.get $ab)
              (f64x2.mul
                (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7
                  (local.get $x) (local.get $x)))
                (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7
                  (local.get $y) (local.get $y))))))
            ;; c, d: the same
            (local.set $x (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23
              (v128.load (i32.add (local.get $pc) (local.get $f)))
              (v128.load (i32.add (local.get $pd) (local.get $f)))))
            (local.set $y (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23
              (v128.load (i32.add (local.get $qc) (local.get $f)))
              (v128.load (i32.add (local.get $qd) (local.get $f)))))
            (local.set $cd (f64x2.add (local.get $cd)
              (f64x2.mul (f64x2.promote_low_f32x4 (local.get $x))
                (f64x2.promote_low_f32x4 (local.get $y)))))
            (local.set $cd (f64x2.add (local.get $cd)
              (f64x2.mul
                (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7
                  (local.get $x) (local.get $x)))
                (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7
                  (local.get $y) (local.get $y))))))
            (local.set $x (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31
              (v128.load (i32.add (local.get $pc) (local.get $f)))
              (v128.load (i32.add (local.get $pd) (local.get $f)))))
            (local.set $y (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31
              (v128.load (i32.add (local.get $qc) (local.get $f)))
              (v128.load (i32.add (local.get $qd) (local.get $f)))))
            (local.set $cd (f64x2.add (local.get $cd)
              (f64x2.mul (f64x2.promote_low_f32x4 (local.get $x))
                (f64x2.promote_low_f32x4 (local.get $y)))))
            (local.set $cd (f64x2.add (local.get $cd)
              (f64x2.mul
                (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7
                  (local.get $x) (local.get $x)))
                (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7
                  (local.get $y) (local.get $y))))))
            (local.set $f (i32.add (local.get $f) (i32.const 16)))
            (br $v)))
        ;; factors k4 .. k-1, lane by lane; clip; add in rating order
        (local.set $j (i32.sub (local.get $k) (local.get $k4)))
        (local.set $xa (call $clip
          (call $tail (f64x2.extract_lane 0 (local.get $ab))
            (i32.add (local.get $pa) (local.get $f)) (i32.add (local.get $qa) (local.get $f))
            (local.get $j))
          (local.get $lo) (local.get $hi)))
        (local.set $xb (call $clip
          (call $tail (f64x2.extract_lane 1 (local.get $ab))
            (i32.add (local.get $pb) (local.get $f)) (i32.add (local.get $qb) (local.get $f))
            (local.get $j))
          (local.get $lo) (local.get $hi)))
        (local.set $xc (call $clip
          (call $tail (f64x2.extract_lane 0 (local.get $cd))
            (i32.add (local.get $pc) (local.get $f)) (i32.add (local.get $qc) (local.get $f))
            (local.get $j))
          (local.get $lo) (local.get $hi)))
        (local.set $xd (call $clip
          (call $tail (f64x2.extract_lane 1 (local.get $cd))
            (i32.add (local.get $pd) (local.get $f)) (i32.add (local.get $qd) (local.get $f))
            (local.get $j))
          (local.get $lo) (local.get $hi)))
        (local.set $j (i32.add (local.get $r) (i32.shl (local.get $e) (i32.const 2))))
        (local.set $se (f64.add (local.get $se) (call $sq (local.get $xa) (local.get $j))))
        (local.set $se (f64.add (local.get $se)
          (call $sq (local.get $xb) (i32.add (local.get $j) (i32.const 4)))))
        (local.set $se (f64.add (local.get $se)
          (call $sq (local.get $xc) (i32.add (local.get $j) (i32.const 8)))))
        (local.set $se (f64.add (local.get $se)
          (call $sq (local.get $xd) (i32.add (local.get $j) (i32.const 12)))))
        (local.set $e (i32.add (local.get $e) (i32.const 4)))
        (br $group)))
    ;; the last n mod 4 ratings
    (block $rest
      (loop $each
        (br_if $rest (i32.ge_u (local.get $e) (local.get $n)))
        (local.set $j (i32.shl (local.get $e) (i32.const 2)))
        (local.set $se (f64.add (local.get $se)
          (call $sq
            (call $one
              (i32.load (i32.add (local.get $u) (local.get $j)))
              (i32.load (i32.add (local.get $i) (local.get $j)))
              (local.get $p) (local.get $q) (local.get $bu) (local.get $bi)
              (local.get $k) (local.get $rowBytes)
              (local.get $mu) (local.get $lo) (local.get $hi))
            (i32.add (local.get $r) (local.get $j)))))
        (local.set $e (i32.add (local.get $e) (i32.const 1)))
        (br $each)))
    (local.get $se)))
