;; The right-hand side of one iALS row solve:
;;
;;   out = sum_{p in [start, end)} (1 + ext[p]) y_idx[p]
;;
;; Same memory layout and strides as ials_apply.wat. Used by ../_wasm_ials.ts.
(module
  (import "env" "mem" (memory 1))
  (func (export "rowsum")
    (param $out i32) (param $y i32) (param $idx i32) (param $ext i32) (param $start i32)
    (param $end i32) (param $rowBytes i32)
    (local $row i32) (local $p i32) (local $f i32)
    (local $s v128)
    ;; out = 0
    (local.set $f (i32.const 0))
    (loop $zero
      (v128.store (i32.add (local.get $out) (local.get $f)) (f32x4.splat (f32.const 0)))
      (br_if $zero
        (i32.lt_u (local.tee $f (i32.add (local.get $f) (i32.const 16))) (local.get $rowBytes))))
    ;; out += (1 + ext[p]) y_idx[p] over the row's positives
    (local.set $p (local.get $start))
    (block $none
      (br_if $none (i32.eqz (i32.lt_s (local.get $p) (local.get $end))))
      (loop $positives
        (local.set $row
          (i32.add (local.get $y)
            (i32.mul
              (i32.load (i32.add (local.get $idx) (i32.shl (local.get $p) (i32.const 2))))
              (local.get $rowBytes))))
        (local.set $s
          (f32x4.splat
            (f32.add (f32.const 1)
              (f32.load (i32.add (local.get $ext) (i32.shl (local.get $p) (i32.const 2)))))))
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
