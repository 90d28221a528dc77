;; One SVD++ epoch (with Koren's time-aware bias terms, zero for plain
;; SVD++), user by user in the order ord[0 .. nOrder). The ratings of user u
;; are rows indptr[u] .. indptr[u + 1] of the item, rate, tb (time bin), td
;; (user-day) and dev (drift) arrays. Per user it forms the implicit sum once,
;; z = |N(u)|^-1/2 sum_j y_j (norm[u] is |N(u)|^-1/2), then per rating
;;
;;   e   = r - (mu + bu + bi + bt[tb] + bud[td] + alpha_u dev + q_i . (p_u + z))
;;   bu += lr (e - regBias bu);  bi += lr (e - regBias bi)
;;   bt += lrTime (e - regTime bt);  bud += lrTime (e - regTime bud)
;;   alpha_u += lrAlpha (e dev - regAlpha alpha_u)
;;   acc += e q_i;  p_u = (1 - lr reg) p_u + lr e q_i;  q_i = (1 - lr reg) q_i + lr e (p_u + z)
;;
;; and after the user's ratings updates every y_j of N(u) once:
;; y_j = (1 - lr regY) y_j + lr norm acc (the per-user update that makes SVD++
;; cost about as much as biased MF). Returns the sum of squared errors.
;;
;; Every pointer is a byte offset into the imported memory. The scalars at
;; scalars are f32 mu, lr, reg, regBias, regY, lrTime, regTime, lrAlpha,
;; regAlpha. Factor rows (p, q, y) and the scratch vectors z, acc have a
;; padded stride of kp floats (a multiple of 4, padding zero). Four floats per
;; instruction, one accumulator. Used by ../_wasm_svdpp.ts.
(module
  (import "env" "memory" (memory 1))
  (func (export "epoch")
    (param $nOrder i32) (param $ord i32) (param $indptr i32) (param $item i32) (param $rate i32)
    (param $tb i32) (param $td i32) (param $dev i32)
    (param $p i32) (param $q i32) (param $y i32) (param $bu i32) (param $bi i32) (param $bt i32)
    (param $bud i32) (param $alpha i32) (param $norm i32)
    (param $z i32) (param $acc i32) (param $kp i32) (param $scalars i32)
    (result f64)
    (local $x i32) (local $u i32) (local $j i32) (local $jEnd i32) (local $pu i32)
    (local $qi i32) (local $f i32) (local $rowBytes i32) (local $yj i32) (local $off i32)
    (local $buAddr i32) (local $biAddr i32) (local $t i32)
    (local $mu f32) (local $lr f32) (local $reg f32) (local $regBias f32) (local $regY f32)
    (local $lrTime f32) (local $regTime f32) (local $lrAlpha f32) (local $regAlpha f32)
    (local $nrm f32) (local $err f32) (local $dot f32) (local $buV f32) (local $biV f32)
    (local $btV f32) (local $budV f32) (local $devV f32)
    (local $btAddr i32) (local $budAddr i32) (local $alphaAddr i32)
    (local $alphaV f32)
    (local $sse f64)
    (local $acc4 v128) (local $pv v128) (local $qv v128) (local $zv v128) (local $c4 v128)
    (local $g4 v128) (local $e4 v128) (local $n4 v128)
    (local.set $mu (f32.load (local.get $scalars)))
    (local.set $lr (f32.load offset=4 (local.get $scalars)))
    (local.set $reg (f32.load offset=8 (local.get $scalars)))
    (local.set $regBias (f32.load offset=12 (local.get $scalars)))
    (local.set $regY (f32.load offset=16 (local.get $scalars)))
    (local.set $lrTime (f32.load offset=20 (local.get $scalars)))
    (local.set $regTime (f32.load offset=24 (local.get $scalars)))
    (local.set $lrAlpha (f32.load offset=28 (local.get $scalars)))
    (local.set $regAlpha (f32.load offset=32 (local.get $scalars)))
    (local.set $rowBytes (i32.shl (local.get $kp) (i32.const 2)))
    (block $done
      (br_if $done (i32.eqz (local.get $nOrder)))
      (loop $users
        (local.set $u
          (i32.load (i32.add (i32.shl (local.get $x) (i32.const 2)) (local.get $ord))))
        (local.set $j
          (i32.load (i32.add (i32.shl (local.get $u) (i32.const 2)) (local.get $indptr))))
        (local.set $jEnd
          (i32.load offset=4 (i32.add (i32.shl (local.get $u) (i32.const 2)) (local.get $indptr))))
        (local.set $pu (i32.add (i32.mul (local.get $u) (local.get $rowBytes)) (local.get $p)))
        (local.set $nrm
          (f32.load (i32.add (i32.shl (local.get $u) (i32.const 2)) (local.get $norm))))
        (local.set $buAddr (i32.add (i32.shl (local.get $u) (i32.const 2)) (local.get $bu)))
        (local.set $alphaAddr (i32.add (i32.shl (local.get $u) (i32.const 2)) (local.get $alpha)))
        (block $noRatings
          (br_if $noRatings (i32.eqz (i32.lt_s (local.get $j) (local.get $jEnd))))
          ;; z = 0, acc = 0
          (local.set $acc4 (f32x4.splat (f32.const 0)))
          (local.set $f (i32.const 0))
          (loop $clear
            (v128.store (i32.add (local.get $z) (local.get $f)) (local.get $acc4))
            (v128.store (i32.add (local.get $acc) (local.get $f)) (local.get $acc4))
            (br_if $clear
              (i32.lt_s (local.tee $f (i32.add (local.get $f) (i32.const 16)))
                (local.get $rowBytes))))
          ;; z += y_j for j in N(u)
          (local.set $off (local.get $j))
          (loop $sum
            (local.set $yj
              (i32.add
                (i32.mul
                  (i32.load (i32.add (i32.shl (local.get $off) (i32.const 2)) (local.get $item)))
                  (local.get $rowBytes))
                (local.get $y)))
            (local.set $f (i32.const 0))
            (loop $add
              (v128.store (i32.add (local.get $z) (local.get $f))
                (f32x4.add
                  (v128.load (i32.add (local.get $z) (local.get $f)))
                  (v128.load (i32.add (local.get $yj) (local.get $f)))))
              (br_if $add
                (i32.lt_s (local.tee $f (i32.add (local.get $f) (i32.const 16)))
                  (local.get $rowBytes))))
            (br_if $sum
              (i32.lt_s (local.tee $off (i32.add (local.get $off) (i32.const 1)))
                (local.get $jEnd))))
          ;; z *= norm
          (local.set $n4 (f32x4.splat (local.get $nrm)))
          (local.set $f (i32.const 0))
          (loop $scale
            (v128.store (i32.add (local.get $z) (local.get $f))
              (f32x4.mul (v128.load (i32.add (local.get $z) (local.get $f))) (local.get $n4)))
            (br_if $scale
              (i32.lt_s (local.tee $f (i32.add (local.get $f) (i32.const 16)))
                (local.get $rowBytes))))
          ;; c = 1 - lr reg (constant for the user)
          (local.set $c4
            (f32x4.splat (f32.sub (f32.const 1) (f32.mul (local.get $lr) (local.get $reg)))))
          ;; the user's ratings
          (local.set $t (local.get $j))
          (loop $ratings
            (local.set $off (i32.shl (local.get $t) (i32.const 2)))
            (local.set $biAddr
              (i32.add
                (i32.shl
                  (local.tee $qi (i32.load (i32.add (local.get $off) (local.get $item))))
                  (i32.const 2))
                (local.get $bi)))
            (local.set $qi
              (i32.add (i32.mul (local.get $qi) (local.get $rowBytes)) (local.get $q)))
            ;; dot = q_i . (p_u + z)
            (local.set $acc4 (f32x4.splat (f32.const 0)))
            (local.set $f (i32.const 0))
            (loop $dot
              (local.set $acc4
                (f32x4.add (local.get $acc4)
                  (f32x4.mul
                    (f32x4.add
                      (v128.load (i32.add (local.get $pu) (local.get $f)))
                      (v128.load (i32.add (local.get $z) (local.get $f))))
                    (v128.load (i32.add (local.get $qi) (local.get $f))))))
              (br_if $dot
                (i32.lt_s (local.tee $f (i32.add (local.get $f) (i32.const 16)))
                  (local.get $rowBytes))))
            (local.set $dot
              (f32.add
                (f32.add (f32x4.extract_lane 0 (local.get $acc4))
                  (f32x4.extract_lane 1 (local.get $acc4)))
                (f32.add (f32x4.extract_lane 2 (local.get $acc4))
                  (f32x4.extract_lane 3 (local.get $acc4)))))
            (local.set $buV (f32.load (local.get $buAddr)))
            (local.set $biV (f32.load (local.get $biAddr)))
            (local.set $btV
              (f32.load
                (local.tee $btAddr
                  (i32.add
                    (i32.shl (i32.load (i32.add (local.get $off) (local.get $tb))) (i32.const 2))
                    (local.get $bt)))))
            (local.set $budV
              (f32.load
                (local.tee $budAddr
                  (i32.add
                    (i32.shl (i32.load (i32.add (local.get $off) (local.get $td))) (i32.const 2))
                    (local.get $bud)))))
            (local.set $alphaV (f32.load (local.get $alphaAddr)))
            (local.set $devV (f32.load (i32.add (local.get $off) (local.get $dev))))
            ;; err = r - (mu + bu + bi + bt + bud + alpha dev + dot)
            (local.set $err
              (f32.sub
                (f32.load (i32.add (local.get $off) (local.get $rate)))
                (f32.add
                  (f32.add
                    (f32.add
                      (f32.add
                        (f32.add (f32.add (local.get $mu) (local.get $buV)) (local.get $biV))
                        (local.get $btV))
                      (local.get $budV))
                    (f32.mul (local.get $alphaV) (local.get $devV)))
                  (local.get $dot))))
            (local.set $sse
              (f64.add (local.get $sse)
                (f64.promote_f32 (f32.mul (local.get $err) (local.get $err)))))
            ;; biases
            (f32.store (local.get $buAddr)
              (f32.add (local.get $buV)
                (f32.mul (local.get $lr)
                  (f32.sub (local.get $err) (f32.mul (local.get $regBias) (local.get $buV))))))
            (f32.store (local.get $biAddr)
              (f32.add (local.get $biV)
                (f32.mul (local.get $lr)
                  (f32.sub (local.get $err) (f32.mul (local.get $regBias) (local.get $biV))))))
            (f32.store (local.get $btAddr)
              (f32.add (local.get $btV)
                (f32.mul (local.get $lrTime)
                  (f32.sub (local.get $err) (f32.mul (local.get $regTime) (local.get $btV))))))
            (f32.store (local.get $budAddr)
              (f32.add (local.get $budV)
                (f32.mul (local.get $lrTime)
                  (f32.sub (local.get $err) (f32.mul (local.get $regTime) (local.get $budV))))))
            (f32.store (local.get $alphaAddr)
              (f32.add (local.get $alphaV)
                (f32.mul (local.get $lrAlpha)
                  (f32.sub
                    (f32.mul (local.get $err) (local.get $devV))
                    (f32.mul (local.get $regAlpha) (local.get $alphaV))))))
            ;; factors: acc += e q_i; p_u = c p_u + g q_i; q_i = c q_i + g (p_u + z), g = lr e
            (local.set $e4 (f32x4.splat (local.get $err)))
            (local.set $g4 (f32x4.splat (f32.mul (local.get $lr) (local.get $err))))
            (local.set $f (i32.const 0))
            (loop $update
              (local.set $pv (v128.load (i32.add (local.get $pu) (local.get $f))))
              (local.set $qv (v128.load (i32.add (local.get $qi) (local.get $f))))
              (local.set $zv (v128.load (i32.add (local.get $z) (local.get $f))))
              (v128.store (i32.add (local.get $acc) (local.get $f))
                (f32x4.add
                  (v128.load (i32.add (local.get $acc) (local.get $f)))
                  (f32x4.mul (local.get $e4) (local.get $qv))))
              (v128.store (i32.add (local.get $pu) (local.get $f))
                (f32x4.add (f32x4.mul (local.get $pv) (local.get $c4))
                  (f32x4.mul (local.get $qv) (local.get $g4))))
              (v128.store (i32.add (local.get $qi) (local.get $f))
                (f32x4.add (f32x4.mul (local.get $qv) (local.get $c4))
                  (f32x4.mul (f32x4.add (local.get $pv) (local.get $zv)) (local.get $g4))))
              (br_if $update
                (i32.lt_s (local.tee $f (i32.add (local.get $f) (i32.const 16)))
                  (local.get $rowBytes))))
            (br_if $ratings
              (i32.lt_s (local.tee $t (i32.add (local.get $t) (i32.const 1)))
                (local.get $jEnd))))
          ;; y_j = (1 - lr regY) y_j + lr norm acc for j in N(u)
          (local.set $c4
            (f32x4.splat (f32.sub (f32.const 1) (f32.mul (local.get $lr) (local.get $regY)))))
          (local.set $n4 (f32x4.splat (f32.mul (local.get $lr) (local.get $nrm))))
          (local.set $off (local.get $j))
          (loop $implicit
            (local.set $yj
              (i32.add
                (i32.mul
                  (i32.load (i32.add (i32.shl (local.get $off) (i32.const 2)) (local.get $item)))
                  (local.get $rowBytes))
                (local.get $y)))
            (local.set $f (i32.const 0))
            (loop $step
              (v128.store (i32.add (local.get $yj) (local.get $f))
                (f32x4.add
                  (f32x4.mul (v128.load (i32.add (local.get $yj) (local.get $f))) (local.get $c4))
                  (f32x4.mul (v128.load (i32.add (local.get $acc) (local.get $f)))
                    (local.get $n4))))
              (br_if $step
                (i32.lt_s (local.tee $f (i32.add (local.get $f) (i32.const 16)))
                  (local.get $rowBytes))))
            (br_if $implicit
              (i32.lt_s (local.tee $off (i32.add (local.get $off) (i32.const 1)))
                (local.get $jEnd)))))
        (br_if $users
          (i32.lt_s (local.tee $x (i32.add (local.get $x) (i32.const 1)))
            (local.get $nOrder)))))
    (local.get $sse)))
