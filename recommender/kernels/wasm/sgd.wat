;; One biased-MF (Funk SVD) SGD epoch over n ratings, in their order:
;;
;;   e   = r - (mu + bu + bi + p_u . q_i)
;;   bu += lr (e - regBias bu);  bi += lr (e - regBias bi)
;;   p_u = (1 - lr reg) p_u + lr e q_i;  q_i = (1 - lr reg) q_i + lr e p_u(old)
;;
;; Returns the sum of squared errors (before each update). The pointers are
;; byte offsets into the imported memory: uPtr, iPtr (i32 user and item
;; indices), rPtr (f32 ratings), pPtr, qPtr (row-major factors with a padded
;; stride of kp floats, kp a multiple of 4, padding zero), buPtr, biPtr (f32
;; biases). Four factors per instruction, one accumulator. The memory is
;; shared so that worker threads can run disjoint blocks of ratings over the
;; same factors (DSGD strata, ../_sgd_pool.ts). Used by ../_wasm_sgd.ts.
(module
  (import "env" "memory" (memory 1 65536 shared))
  (func (export "epoch")
    (param $n i32) (param $uPtr i32) (param $iPtr i32) (param $rPtr i32) (param $pPtr i32)
    (param $qPtr i32) (param $buPtr i32) (param $biPtr i32) (param $kp i32)
    (param $mu f32) (param $lr f32) (param $reg f32) (param $regBias f32)
    (result f64)
    (local $e i32) (local $pu i32) (local $qi i32) (local $f i32) (local $rowBytes i32)
    (local $buAddr i32) (local $biAddr i32) (local $off i32)
    (local $err f32) (local $bu f32) (local $bi f32) (local $dot f32)
    (local $sse f64)
    (local $acc v128) (local $c v128) (local $g v128) (local $pv v128) (local $qv v128)
    (local.set $rowBytes (i32.shl (local.get $kp) (i32.const 2)))
    (block $done
      (br_if $done (i32.eqz (local.get $n)))
      (loop $ratings
        ;; off = e * 4; pu = &P[u]; qi = &Q[i]; buAddr = &bu[u]; biAddr = &bi[i]
        (local.set $off (i32.shl (local.get $e) (i32.const 2)))
        (local.set $buAddr
          (i32.add
            (i32.shl
              (local.tee $pu (i32.load (i32.add (local.get $off) (local.get $uPtr))))
              (i32.const 2))
            (local.get $buPtr)))
        (local.set $pu
          (i32.add (i32.mul (local.get $pu) (local.get $rowBytes)) (local.get $pPtr)))
        (local.set $biAddr
          (i32.add
            (i32.shl
              (local.tee $qi (i32.load (i32.add (local.get $off) (local.get $iPtr))))
              (i32.const 2))
            (local.get $biPtr)))
        (local.set $qi
          (i32.add (i32.mul (local.get $qi) (local.get $rowBytes)) (local.get $qPtr)))
        ;; dot = p_u . q_i
        (local.set $acc (f32x4.splat (f32.const 0)))
        (local.set $f (i32.const 0))
        (loop $dot
          (local.set $acc
            (f32x4.add (local.get $acc)
              (f32x4.mul
                (v128.load (i32.add (local.get $pu) (local.get $f)))
                (v128.load (i32.add (local.get $qi) (local.get $f))))))
          (local.set $f (i32.add (local.get $f) (i32.const 16)))
          (br_if $dot (i32.lt_s (local.get $f) (local.get $rowBytes))))
        (local.set $dot
          (f32.add
            (f32.add (f32x4.extract_lane 0 (local.get $acc))
              (f32x4.extract_lane 1 (local.get $acc)))
            (f32.add (f32x4.extract_lane 2 (local.get $acc))
              (f32x4.extract_lane 3 (local.get $acc)))))
        ;; err = r - (mu + bu + bi + dot)
        (local.set $bu (f32.load (local.get $buAddr)))
        (local.set $bi (f32.load (local.get $biAddr)))
        (local.set $err
          (f32.sub
            (f32.load (i32.add (local.get $off) (local.get $rPtr)))
            (f32.add
              (f32.add (f32.add (local.get $mu) (local.get $bu)) (local.get $bi))
              (local.get $dot))))
        (local.set $sse
          (f64.add (local.get $sse)
            (f64.promote_f32 (f32.mul (local.get $err) (local.get $err)))))
        ;; biases
        (f32.store (local.get $buAddr)
          (f32.add (local.get $bu)
            (f32.mul (local.get $lr)
              (f32.sub (local.get $err) (f32.mul (local.get $regBias) (local.get $bu))))))
        (f32.store (local.get $biAddr)
          (f32.add (local.get $bi)
            (f32.mul (local.get $lr)
              (f32.sub (local.get $err) (f32.mul (local.get $regBias) (local.get $bi))))))
        ;; factors: c = 1 - lr reg, g = lr err
        (local.set $c
          (f32x4.splat (f32.sub (f32.const 1) (f32.mul (local.get $lr) (local.get $reg)))))
        (local.set $g (f32x4.splat (f32.mul (local.get $lr) (local.get $err))))
        (local.set $f (i32.const 0))
        (loop $update
          (local.set $pv (v128.load (i32.add (local.get $pu) (local.get $f))))
          (local.set $qv (v128.load (i32.add (local.get $qi) (local.get $f))))
          (v128.store (i32.add (local.get $pu) (local.get $f))
            (f32x4.add (f32x4.mul (local.get $pv) (local.get $c))
              (f32x4.mul (local.get $qv) (local.get $g))))
          (v128.store (i32.add (local.get $qi) (local.get $f))
            (f32x4.add (f32x4.mul (local.get $qv) (local.get $c))
              (f32x4.mul (local.get $pv) (local.get $g))))
          (local.set $f (i32.add (local.get $f) (i32.const 16)))
          (br_if $update (i32.lt_s (local.get $f) (local.get $rowBytes))))
        (br_if $ratings
          (i32.lt_s (local.tee $e (i32.add (local.get $e) (i32.const 1))) (local.get $n)))))
    (local.get $sse)))
