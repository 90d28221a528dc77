;; The right-hand side of one iALS row solve:
;;
;;   out = sum_{p in [start, end)} (1 + ext[p]) y_idx[p]
;;
;; Same memory layout and strides as ials_apply.wat. Used by ../_wasm_ials.ts.
;; Four positives at a time: out is loaded and stored once per four, each
;; out[f] still adding the terms one at a time in p order (the same bits).
(module
  (import "env" "mem" (memory 1))

  ;; the byte address of the factor row of positive p
  (func $yrow (param $y i32) (param $idx i32) (param $p i32) (param $rowBytes i32) (result i32)
    (i32.add (local.get $y)
      (i32.mul
        (i32.load (i32.add (local.get $idx) (i32.shl (local.get $p) (i32.const 2))))
        (local.get $rowBytes))))

  ;; 1 + ext[p], in all four lanes
  (func $conf (param $ext i32) (param $p i32) (result v128)
    (f32x4.splat
      (f32.add (f32.const 1)
        (f32.load (i32.add (local.get $ext) (i32.shl (local.get $p) (i32.const 2)))))))

  (func (export "rowsum")
    (param $out i32) (param $y i32) (param $idx i32) (param $ext i32) (param $start i32)
    (param $end i32) (param $rowBytes i32)
    (local $row i32) (local $p i32) (local $f i32) (local $end4 i32)
    (local $r1 i32) (local $r2 i32) (local $r3 i32)
    (local $s v128) (local $s1 v128) (local $s2 v128) (local $s3 v128)
    ;; out = 0
    (local.set $f (i32.const 0))
    (loop $zero
      (v128.store (i32.add (local.get $out) (local.get $f)) (f32x4.splat (f32.const 0)))
      (br_if $zero
        (i32.lt_u (local.tee $f (i32.add (local.get $f) (i32.const 16))) (local.get $rowBytes))))
    (local.set $p (local.get $start))
    ;; out += (1 + ext[p]) y_idx[p], four positives at a time
    (local.set $end4 (i32.sub (local.get $end) (i32.const 3)))
    (block $none4
      (br_if $none4 (i32.eqz (i32.lt_s (local.get $p) (local.get $end4))))
      (loop $positives4
        (local.set $row (call $yrow (local.get $y) (local.get $idx) (local.get $p) (local.get $rowBytes)))
        (local.set $r1 (call $yrow (local.get $y) (local.get $idx)
          (i32.add (local.get $p) (i32.const 1)) (local.get $rowBytes)))
        (local.set $r2 (call $yrow (local.get $y) (local.get $idx)
          (i32.add (local.get $p) (i32.const 2)) (local.get $rowBytes)))
        (local.set $r3 (call $yrow (local.get $y) (local.get $idx)
          (i32.add (local.get $p) (i32.const 3)) (local.get $rowBytes)))
        (local.set $s (call $conf (local.get $ext) (local.get $p)))
        (local.set $s1 (call $conf (local.get $ext) (i32.add (local.get $p) (i32.const 1))))
        (local.set $s2 (call $conf (local.get $ext) (i32.add (local.get $p) (i32.const 2))))
        (local.set $s3 (call $conf (local.get $ext) (i32.add (local.get $p) (i32.const 3))))
        (local.set $f (i32.const 0))
        (loop $axpy4
          (v128.store (i32.add (local.get $out) (local.get $f))
            (f32x4.add
              (f32x4.add
                (f32x4.add
                  (f32x4.add
                    (v128.load (i32.add (local.get $out) (local.get $f)))
                    (f32x4.mul (local.get $s) (v128.load (i32.add (local.get $row) (local.get $f)))))
                  (f32x4.mul (local.get $s1) (v128.load (i32.add (local.get $r1) (local.get $f)))))
                (f32x4.mul (local.get $s2) (v128.load (i32.add (local.get $r2) (local.get $f)))))
              (f32x4.mul (local.get $s3) (v128.load (i32.add (local.get $r3) (local.get $f))))))
          (br_if $axpy4
            (i32.lt_u (local.tee $f (i32.add (local.get $f) (i32.const 16)))
              (local.get $rowBytes))))
        (br_if $positives4
          (i32.lt_s (local.tee $p (i32.add (local.get $p) (i32.const 4))) (local.get $end4)))))
    ;; the last end - start mod 4, one at a time
    (block $none
      (br_if $none (i32.eqz (i32.lt_s (local.get $p) (local.get $end))))
      (loop $positives
        (local.set $row (call $yrow (local.get $y) (local.get $idx) (local.get $p) (local.get $rowBytes)))
        (local.set $s (call $conf (local.get $ext) (local.get $p)))
        (local.set $f (i32.const 0))
        (loop $axpy
          (v128.store (i32.add (local.get $out) (local.get $f))
            (f32x4.add
              (v128.load (i32.add (local.get $out) (local.get $f)))
              (f32x4.mul (local.get $s)
                (v128.load (i32.add (local.get $row) (local.get $f))))))
          (br_if $axpy
            (i32.lt_u (local.tee $f (i32.add (local.get $f) (i32.const 16)))
              (local.get $rowBytes))))
        (br_if $positives
          (i32.lt_s (local.tee $p (i32.add (local.get $p) (i32.const 1))) (local.get $end)))))))
