;; The hot step of iALS's conjugate gradient: the product of one row's system
;; matrix A_u = Y^T Y + Y^T (C_u - I) Y + lambda I with a vector v, without
;; forming A_u (the Gramian trick):
;;
;;   out = G v + lambda v + sum_{p in [start, end)} ext[p] (y_idx[p] . v) y_idx[p]
;;
;; v, out, g (G = Y^T Y, kp x kp), y (the fixed side's factors), idx (i32
;; column indices of the row's positives) and ext (f32 confidence minus one)
;; are byte offsets into the imported memory; vectors and matrix rows have a
;; stride of rowBytes bytes (kp floats, kp a multiple of 4, padding zero).
;; Four floats per instruction. Used by ../_wasm_ials.ts.
(module
  (import "env" "mem" (memory 1))
  (func (export "apply")
    (param $v i32) (param $out i32) (param $g i32) (param $y i32) (param $idx i32)
    (param $ext i32) (param $start i32) (param $end i32) (param $rowBytes i32)
    (param $lambda f32)
    (local $a i32) (local $row i32) (local $p i32) (local $f i32)
    (local $acc v128) (local $s v128)
    ;; dense part: out[a] = G_a . v + lambda v[a], for every row a of G
    (local.set $row (local.get $g))
    (local.set $a (i32.const 0))
    (loop $dense
      (local.set $acc (f32x4.splat (f32.const 0)))
      (local.set $f (i32.const 0))
      (loop $dot
        (local.set $acc
          (f32x4.add (local.get $acc)
            (f32x4.mul
              (v128.load (i32.add (local.get $row) (local.get $f)))
              (v128.load (i32.add (local.get $v) (local.get $f))))))
        (br_if $dot
          (i32.lt_u (local.tee $f (i32.add (local.get $f) (i32.const 16)))
            (local.get $rowBytes))))
      (f32.store (i32.add (local.get $out) (local.get $a))
        (f32.add
          (f32.add
            (f32.add (f32x4.extract_lane 0 (local.get $acc))
              (f32x4.extract_lane 1 (local.get $acc)))
            (f32.add (f32x4.extract_lane 2 (local.get $acc))
              (f32x4.extract_lane 3 (local.get $acc))))
          (f32.mul (local.get $lambda)
            (f32.load (i32.add (local.get $v) (local.get $a))))))
      (local.set $row (i32.add (local.get $row) (local.get $rowBytes)))
      (br_if $dense
        (i32.lt_u (local.tee $a (i32.add (local.get $a) (i32.const 4))) (local.get $rowBytes))))
    ;; low-rank part: out += ext[p] (y_idx[p] . v) y_idx[p] over the row's positives
    (local.set $p (local.get $start))
    (block $none
      (br_if $none (i32.eqz (i32.lt_s (local.get $p) (local.get $end))))
      (loop $positives
        (local.set $row
          (i32.add (local.get $y)
            (i32.mul
              (i32.load (i32.add (local.get $idx) (i32.shl (local.get $p) (i32.const 2))))
              (local.get $rowBytes))))
        (local.set $acc (f32x4.splat (f32.const 0)))
        (local.set $f (i32.const 0))
        (loop $dot
          (local.set $acc
            (f32x4.add (local.get $acc)
              (f32x4.mul
                (v128.load (i32.add (local.get $row) (local.get $f)))
                (v128.load (i32.add (local.get $v) (local.get $f))))))
          (br_if $dot
            (i32.lt_u (local.tee $f (i32.add (local.get $f) (i32.const 16)))
              (local.get $rowBytes))))
        ;; s = ext[p] (y_idx[p] . v), in all four lanes
        (local.set $s
          (f32x4.splat
            (f32.mul
              (f32.add
                (f32.add (f32x4.extract_lane 0 (local.get $acc))
                  (f32x4.extract_lane 1 (local.get $acc)))
                (f32.add (f32x4.extract_lane 2 (local.get $acc))
                  (f32x4.extract_lane 3 (local.get $acc))))
              (f32.load (i32.add (local.get $ext) (i32.shl (local.get $p) (i32.const 2)))))))
        ;; out += s y_idx[p]
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
