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
;;
;; Each dot product is one f32x4 accumulator summed over the row in order,
;; then its lanes as (l0 + l1) + (l2 + l3); each out[f] adds its positives'
;; terms one at a time in p order. Four rows of G, and four positives, are
;; taken at once: their dot products are independent chains (the adds'
;; latency, not their count, bounds one chain), and out is loaded and stored
;; once per four positives. The operations of every value are the same, in
;; the same order, as one row or positive at a time: the same bits.
(module
  (import "env" "mem" (memory 1))

  ;; (l0 + l1) + (l2 + l3) of an f32x4
  (func $hsum (param $acc v128) (result f32)
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
      (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))

  ;; the byte address of the factor row of positive p
  (func $yrow (param $y i32) (param $idx i32) (param $p i32) (param $rowBytes i32) (result i32)
    (i32.add (local.get $y)
      (i32.mul
        (i32.load (i32.add (local.get $idx) (i32.shl (local.get $p) (i32.const 2))))
        (local.get $rowBytes))))

  ;; ext[p] (dot), in all four lanes
  (func $scale (param $ext i32) (param $p i32) (param $dot f32) (result v128)
    (f32x4.splat
      (f32.mul (local.get $dot)
        (f32.load (i32.add (local.get $ext) (i32.shl (local.get $p) (i32.const 2)))))))

  (func (export "apply")
    (param $v i32) (param $out i32) (param $g i32) (param $y i32) (param $idx i32)
    (param $ext i32) (param $start i32) (param $end i32) (param $rowBytes i32)
    (param $lambda f32)
    (local $a i32) (local $row i32) (local $p i32) (local $f i32) (local $end4 i32)
    (local $r1 i32) (local $r2 i32) (local $r3 i32)
    (local $acc v128) (local $acc1 v128) (local $acc2 v128) (local $acc3 v128)
    (local $s v128) (local $s1 v128) (local $s2 v128) (local $s3 v128)
    (local $vf v128) (local $o v128)
    ;; dense part: out[a] = G_a . v + lambda v[a], four rows a of G at a time (kp is a multiple of 4)
    (local.set $row (local.get $g))
    (local.set $a (i32.const 0))
    (loop $dense
      (local.set $r1 (i32.add (local.get $row) (local.get $rowBytes)))
      (local.set $r2 (i32.add (local.get $r1) (local.get $rowBytes)))
      (local.set $r3 (i32.add (local.get $r2) (local.get $rowBytes)))
      (local.set $acc (f32x4.splat (f32.const 0)))
      (local.set $acc1 (f32x4.splat (f32.const 0)))
      (local.set $acc2 (f32x4.splat (f32.const 0)))
      (local.set $acc3 (f32x4.splat (f32.const 0)))
      (local.set $f (i32.const 0))
      (loop $dot
        (local.set $vf (v128.load (i32.add (local.get $v) (local.get $f))))
        (local.set $acc (f32x4.add (local.get $acc)
          (f32x4.mul (v128.load (i32.add (local.get $row) (local.get $f))) (local.get $vf))))
        (local.set $acc1 (f32x4.add (local.get $acc1)
          (f32x4.mul (v128.load (i32.add (local.get $r1) (local.get $f))) (local.get $vf))))
        (local.set $acc2 (f32x4.add (local.get $acc2)
          (f32x4.mul (v128.load (i32.add (local.get $r2) (local.get $f))) (local.get $vf))))
        (local.set $acc3 (f32x4.add (local.get $acc3)
          (f32x4.mul (v128.load (i32.add (local.get $r3) (local.get $f))) (local.get $vf))))
        (br_if $dot
          (i32.lt_u (local.tee $f (i32.add (local.get $f) (i32.const 16)))
            (local.get $rowBytes))))
      ;; out[a + j] = hsum(acc_j) + lambda v[a + j]
      (local.set $o
        (f32x4.add
          (f32x4.replace_lane 3
            (f32x4.replace_lane 2
              (f32x4.replace_lane 1
                (f32x4.splat (call $hsum (local.get $acc)))
                (call $hsum (local.get $acc1)))
              (call $hsum (local.get $acc2)))
            (call $hsum (local.get $acc3)))
          (f32x4.mul (f32x4.splat (local.get $lambda))
            (v128.load (i32.add (local.get $v) (local.get $a))))))
      (v128.store (i32.add (local.get $out) (local.get $a)) (local.get $o))
      (local.set $row (i32.add (local.get $r3) (local.get $rowBytes)))
      (br_if $dense
        (i32.lt_u (local.tee $a (i32.add (local.get $a) (i32.const 16))) (local.get $rowBytes))))
    ;; low-rank part: out += ext[p] (y_idx[p] . v) y_idx[p] over the row's positives
    (local.set $p (local.get $start))
    ;; four positives at a time
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
        (local.set $acc (f32x4.splat (f32.const 0)))
        (local.set $acc1 (f32x4.splat (f32.const 0)))
        (local.set $acc2 (f32x4.splat (f32.const 0)))
        (local.set $acc3 (f32x4.splat (f32.const 0)))
        (local.set $f (i32.const 0))
        (loop $dot4
          (local.set $vf (v128.load (i32.add (local.get $v) (local.get $f))))
          (local.set $acc (f32x4.add (local.get $acc)
            (f32x4.mul (v128.load (i32.add (local.get $row) (local.get $f))) (local.get $vf))))
          (local.set $acc1 (f32x4.add (local.get $acc1)
            (f32x4.mul (v128.load (i32.add (local.get $r1) (local.get $f))) (local.get $vf))))
          (local.set $acc2 (f32x4.add (local.get $acc2)
            (f32x4.mul (v128.load (i32.add (local.get $r2) (local.get $f))) (local.get $vf))))
          (local.set $acc3 (f32x4.add (local.get $acc3)
            (f32x4.mul (v128.load (i32.add (local.get $r3) (local.get $f))) (local.get $vf))))
          (br_if $dot4
            (i32.lt_u (local.tee $f (i32.add (local.get $f) (i32.const 16)))
              (local.get $rowBytes))))
        (local.set $s (call $scale (local.get $ext) (local.get $p) (call $hsum (local.get $acc))))
        (local.set $s1 (call $scale (local.get $ext) (i32.add (local.get $p) (i32.const 1))
          (call $hsum (local.get $acc1))))
        (local.set $s2 (call $scale (local.get $ext) (i32.add (local.get $p) (i32.const 2))
          (call $hsum (local.get $acc2))))
        (local.set $s3 (call $scale (local.get $ext) (i32.add (local.get $p) (i32.const 3))
          (call $hsum (local.get $acc3))))
        ;; out += s y_p + s1 y_p+1 + s2 y_p+2 + s3 y_p+3, added in that order
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
    ;; the last end - start mod 4 positives, one at a time
    (block $none
      (br_if $none (i32.eqz (i32.lt_s (local.get $p) (local.get $end))))
      (loop $positives
        (local.set $row (call $yrow (local.get $y) (local.get $idx) (local.get $p) (local.get $rowBytes)))
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
        (local.set $s (call $scale (local.get $ext) (local.get $p) (call $hsum (local.get $acc))))
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
