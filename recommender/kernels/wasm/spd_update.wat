;; The one update of the blocked SPD inverse (../_spd_inverse.ts), in f64:
;;
;;   out[i][c] -= (a[i][p] * r[i]) * x[p][c]   for i < m, then p = 0 .. k-1 in order, c < w
;;
;; Every entry of `out` subtracts its products one p at a time in ascending p
;; (never a sum of products, never a fused multiply-add), so the blocked
;; inverse does exactly the operations of the row-by-row one, in the same
;; order per entry: the results are bit-identical. SIMD runs across columns c
;; (two f64 per lane, eight columns kept in registers over the k products),
;; then a two-column and a one-column tail.
;;
;; Byte addresses and strides: out[i][c] at out + i*ldo + 8c; a[i][p] at
;; a + i*sa + p*sp; r[i] at r + i*rs (rs = 0: one scale for every row);
;; x[p][c] at x + p*ldx + 8c.
(module
  (import "env" "mem" (memory 1))
  (func (export "update")
    (param $out i32) (param $ldo i32) (param $a i32) (param $sa i32) (param $sp i32)
    (param $r i32) (param $rs i32) (param $x i32) (param $ldx i32)
    (param $m i32) (param $k i32) (param $w i32)
    (local $i i32) (local $c i32) (local $p i32)
    (local $orow i32) (local $arow i32) (local $ri f64)
    (local $o i32) (local $ap i32) (local $xp i32)
    (local $s v128) (local $sf f64)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $w8 i32) (local $w2 i32)
    (local.set $w8 (i32.and (local.get $w) (i32.const -8)))
    (local.set $w2 (i32.and (local.get $w) (i32.const -2)))
    (block $done
      (br_if $done (i32.le_s (local.get $m) (i32.const 0)))
      (br_if $done (i32.le_s (local.get $k) (i32.const 0)))
      (local.set $i (i32.const 0))
      (loop $rows
        (local.set $orow (i32.add (local.get $out) (i32.mul (local.get $i) (local.get $ldo))))
        (local.set $arow (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $sa))))
        (local.set $ri (f64.load (i32.add (local.get $r) (i32.mul (local.get $i) (local.get $rs)))))
        ;; eight columns at a time
        (local.set $c (i32.const 0))
        (block $end8
          (br_if $end8 (i32.ge_s (local.get $c) (local.get $w8)))
          (loop $cols8
            (local.set $o (i32.add (local.get $orow) (i32.shl (local.get $c) (i32.const 3))))
            (local.set $a0 (v128.load (local.get $o)))
            (local.set $a1 (v128.load offset=16 (local.get $o)))
            (local.set $a2 (v128.load offset=32 (local.get $o)))
            (local.set $a3 (v128.load offset=48 (local.get $o)))
            (local.set $ap (local.get $arow))
            (local.set $xp (i32.add (local.get $x) (i32.shl (local.get $c) (i32.const 3))))
            (local.set $p (i32.const 0))
            (loop $inner8
              (local.set $s (f64x2.splat (f64.mul (f64.load (local.get $ap)) (local.get $ri))))
              (local.set $a0 (f64x2.sub (local.get $a0)
                (f64x2.mul (local.get $s) (v128.load (local.get $xp)))))
              (local.set $a1 (f64x2.sub (local.get $a1)
                (f64x2.mul (local.get $s) (v128.load offset=16 (local.get $xp)))))
              (local.set $a2 (f64x2.sub (local.get $a2)
                (f64x2.mul (local.get $s) (v128.load offset=32 (local.get $xp)))))
              (local.set $a3 (f64x2.sub (local.get $a3)
                (f64x2.mul (local.get $s) (v128.load offset=48 (local.get $xp)))))
              (local.set $ap (i32.add (local.get $ap) (local.get $sp)))
              (local.set $xp (i32.add (local.get $xp) (local.get $ldx)))
              (br_if $inner8
                (i32.lt_s (local.tee $p (i32.add (local.get $p) (i32.const 1))) (local.get $k))))
            (v128.store (local.get $o) (local.get $a0))
            (v128.store offset=16 (local.get $o) (local.get $a1))
            (v128.store offset=32 (local.get $o) (local.get $a2))
            (v128.store offset=48 (local.get $o) (local.get $a3))
            (br_if $cols8
              (i32.lt_s (local.tee $c (i32.add (local.get $c) (i32.const 8))) (local.get $w8)))))
        ;; two columns at a time
        (block $end2
          (br_if $end2 (i32.ge_s (local.get $c) (local.get $w2)))
          (loop $cols2
            (local.set $o (i32.add (local.get $orow) (i32.shl (local.get $c) (i32.const 3))))
            (local.set $a0 (v128.load (local.get $o)))
            (local.set $ap (local.get $arow))
            (local.set $xp (i32.add (local.get $x) (i32.shl (local.get $c) (i32.const 3))))
            (local.set $p (i32.const 0))
            (loop $inner2
              (local.set $s (f64x2.splat (f64.mul (f64.load (local.get $ap)) (local.get $ri))))
              (local.set $a0 (f64x2.sub (local.get $a0)
                (f64x2.mul (local.get $s) (v128.load (local.get $xp)))))
              (local.set $ap (i32.add (local.get $ap) (local.get $sp)))
              (local.set $xp (i32.add (local.get $xp) (local.get $ldx)))
              (br_if $inner2
                (i32.lt_s (local.tee $p (i32.add (local.get $p) (i32.const 1))) (local.get $k))))
            (v128.store (local.get $o) (local.get $a0))
            (br_if $cols2
              (i32.lt_s (local.tee $c (i32.add (local.get $c) (i32.const 2))) (local.get $w2)))))
        ;; the last column
        (block $end1
          (br_if $end1 (i32.ge_s (local.get $c) (local.get $w)))
          (local.set $o (i32.add (local.get $orow) (i32.shl (local.get $c) (i32.const 3))))
          (local.set $sf (f64.load (local.get $o)))
          (local.set $ap (local.get $arow))
          (local.set $xp (i32.add (local.get $x) (i32.shl (local.get $c) (i32.const 3))))
          (local.set $p (i32.const 0))
          (loop $inner1
            (local.set $sf (f64.sub (local.get $sf)
              (f64.mul (f64.mul (f64.load (local.get $ap)) (local.get $ri))
                (f64.load (local.get $xp)))))
            (local.set $ap (i32.add (local.get $ap) (local.get $sp)))
            (local.set $xp (i32.add (local.get $xp) (local.get $ldx)))
            (br_if $inner1
              (i32.lt_s (local.tee $p (i32.add (local.get $p) (i32.const 1))) (local.get $k))))
          (f64.store (local.get $o) (local.get $sf)))
        (br_if $rows
          (i32.lt_s (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $m)))))))
