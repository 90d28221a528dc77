;; The one update of the blocked SPD inverse (../_spd_inverse.ts), in f64:
;;
;;   out[i][c] -= (a[i][p] * r[i]) * x[p][c]   for i < m, then p = 0 .. k-1 in order, c < w
;;
;; Every entry of `out` subtracts its products one p at a time in ascending p
;; (never a sum of products, never a fused multiply-add), so the blocked
;; inverse does exactly the operations of the row-by-row one, in the same
;; order per entry: the results are bit-identical. SIMD runs across columns c
;; (two f64 per lane): two rows by eight columns kept in registers over the k
;; products (each x load serves both rows), then one row, then a two-column
;; and a one-column tail.
;;
;; Byte addresses and strides: out[i][c] at out + i*ldo + 8c; a[i][p] at
;; a + i*sa + p*sp; r[i] at r + i*rs (rs = 0: one scale for every row);
;; x[p][c] at x + p*ldx + 8c.
;; (i32 address arithmetic wraps: addresses up to 4 GiB are unsigned.)
(module
  (import "env" "mem" (memory 1))

  ;; Columns [0, w8) of two rows, eight at a time.
  (func $pair8
    (param $o0 i32) (param $o1 i32) (param $a0 i32) (param $a1 i32) (param $r0 f64)
    (param $r1 f64) (param $x i32) (param $sp i32) (param $ldx i32) (param $k i32)
    (param $w8 i32)
    (local $c i32) (local $p i32) (local $o i32) (local $q i32) (local $ap0 i32)
    (local $ap1 i32) (local $xp i32)
    (local $s0 v128) (local $s1 v128) (local $x0 v128) (local $x1 v128) (local $x2 v128)
    (local $x3 v128)
    (local $u0 v128) (local $u1 v128) (local $u2 v128) (local $u3 v128)
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128)
    (local.set $c (i32.const 0))
    (block $end
      (br_if $end (i32.ge_s (local.get $c) (local.get $w8)))
      (loop $cols
        (local.set $o (i32.add (local.get $o0) (i32.shl (local.get $c) (i32.const 3))))
        (local.set $q (i32.add (local.get $o1) (i32.shl (local.get $c) (i32.const 3))))
        (local.set $u0 (v128.load (local.get $o)))
        (local.set $u1 (v128.load offset=16 (local.get $o)))
        (local.set $u2 (v128.load offset=32 (local.get $o)))
        (local.set $u3 (v128.load offset=48 (local.get $o)))
        (local.set $v0 (v128.load (local.get $q)))
        (local.set $v1 (v128.load offset=16 (local.get $q)))
        (local.set $v2 (v128.load offset=32 (local.get $q)))
        (local.set $v3 (v128.load offset=48 (local.get $q)))
        (local.set $ap0 (local.get $a0))
        (local.set $ap1 (local.get $a1))
        (local.set $xp (i32.add (local.get $x) (i32.shl (local.get $c) (i32.const 3))))
        (local.set $p (i32.const 0))
        (loop $inner
          (local.set $s0 (f64x2.splat (f64.mul (f64.load (local.get $ap0)) (local.get $r0))))
          (local.set $s1 (f64x2.splat (f64.mul (f64.load (local.get $ap1)) (local.get $r1))))
          (local.set $x0 (v128.load (local.get $xp)))
          (local.set $x1 (v128.load offset=16 (local.get $xp)))
          (local.set $x2 (v128.load offset=32 (local.get $xp)))
          (local.set $x3 (v128.load offset=48 (local.get $xp)))
          (local.set $u0 (f64x2.sub (local.get $u0) (f64x2.mul (local.get $s0) (local.get $x0))))
          (local.set $u1 (f64x2.sub (local.get $u1) (f64x2.mul (local.get $s0) (local.get $x1))))
          (local.set $u2 (f64x2.sub (local.get $u2) (f64x2.mul (local.get $s0) (local.get $x2))))
          (local.set $u3 (f64x2.sub (local.get $u3) (f64x2.mul (local.get $s0) (local.get $x3))))
          (local.set $v0 (f64x2.sub (local.get $v0) (f64x2.mul (local.get $s1) (local.get $x0))))
          (local.set $v1 (f64x2.sub (local.get $v1) (f64x2.mul (local.get $s1) (local.get $x1))))
          (local.set $v2 (f64x2.sub (local.get $v2) (f64x2.mul (local.get $s1) (local.get $x2))))
          (local.set $v3 (f64x2.sub (local.get $v3) (f64x2.mul (local.get $s1) (local.get $x3))))
          (local.set $ap0 (i32.add (local.get $ap0) (local.get $sp)))
          (local.set $ap1 (i32.add (local.get $ap1) (local.get $sp)))
          (local.set $xp (i32.add (local.get $xp) (local.get $ldx)))
          (br_if $inner
            (i32.lt_s (local.tee $p (i32.add (local.get $p) (i32.const 1))) (local.get $k))))
        (v128.store (local.get $o) (local.get $u0))
        (v128.store offset=16 (local.get $o) (local.get $u1))
        (v128.store offset=32 (local.get $o) (local.get $u2))
        (v128.store offset=48 (local.get $o) (local.get $u3))
        (v128.store (local.get $q) (local.get $v0))
        (v128.store offset=16 (local.get $q) (local.get $v1))
        (v128.store offset=32 (local.get $q) (local.get $v2))
        (v128.store offset=48 (local.get $q) (local.get $v3))
        (br_if $cols
          (i32.lt_s (local.tee $c (i32.add (local.get $c) (i32.const 8))) (local.get $w8))))))

  ;; Columns [c0, w) of one row: eight, then two at a time, then the last one.
  (func $row
    (param $orow i32) (param $arow i32) (param $ri f64) (param $x i32) (param $sp i32)
    (param $ldx i32) (param $k i32) (param $c0 i32) (param $w i32)
    (local $c i32) (local $p i32) (local $o i32) (local $ap i32) (local $xp i32)
    (local $s v128) (local $sf f64) (local $w8 i32) (local $w2 i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local.set $w8 (i32.and (local.get $w) (i32.const -8)))
    (local.set $w2 (i32.and (local.get $w) (i32.const -2)))
    (local.set $c (local.get $c0))
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
      (f64.store (local.get $o) (local.get $sf))))

  (func (export "update")
    (param $out i32) (param $ldo i32) (param $a i32) (param $sa i32) (param $sp i32)
    (param $r i32) (param $rs i32) (param $x i32) (param $ldx i32)
    (param $m i32) (param $k i32) (param $w i32)
    (local $i i32) (local $w8 i32) (local $o0 i32) (local $o1 i32) (local $a0 i32)
    (local $a1 i32) (local $r0 f64) (local $r1 f64)
    (local.set $w8 (i32.and (local.get $w) (i32.const -8)))
    (block $done
      (br_if $done (i32.le_s (local.get $m) (i32.const 0)))
      (br_if $done (i32.le_s (local.get $k) (i32.const 0)))
      (local.set $i (i32.const 0))
      ;; pairs of rows
      (block $endPairs
        (br_if $endPairs (i32.ge_s (i32.add (local.get $i) (i32.const 1)) (local.get $m)))
        (loop $pairs
          (local.set $o0 (i32.add (local.get $out) (i32.mul (local.get $i) (local.get $ldo))))
          (local.set $o1 (i32.add (local.get $o0) (local.get $ldo)))
          (local.set $a0 (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $sa))))
          (local.set $a1 (i32.add (local.get $a0) (local.get $sa)))
          (local.set $r0
            (f64.load (i32.add (local.get $r) (i32.mul (local.get $i) (local.get $rs)))))
          (local.set $r1
            (f64.load (i32.add (local.get $r)
              (i32.mul (i32.add (local.get $i) (i32.const 1)) (local.get $rs)))))
          (call $pair8 (local.get $o0) (local.get $o1) (local.get $a0) (local.get $a1)
            (local.get $r0) (local.get $r1) (local.get $x) (local.get $sp) (local.get $ldx)
            (local.get $k) (local.get $w8))
          (call $row (local.get $o0) (local.get $a0) (local.get $r0) (local.get $x)
            (local.get $sp) (local.get $ldx) (local.get $k) (local.get $w8) (local.get $w))
          (call $row (local.get $o1) (local.get $a1) (local.get $r1) (local.get $x)
            (local.get $sp) (local.get $ldx) (local.get $k) (local.get $w8) (local.get $w))
          (br_if $pairs
            (i32.lt_s
              (i32.add (local.tee $i (i32.add (local.get $i) (i32.const 2))) (i32.const 1))
              (local.get $m)))))
      ;; the last row of an odd count
      (br_if $done (i32.ge_s (local.get $i) (local.get $m)))
      (call $row
        (i32.add (local.get $out) (i32.mul (local.get $i) (local.get $ldo)))
        (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $sa)))
        (f64.load (i32.add (local.get $r) (i32.mul (local.get $i) (local.get $rs))))
        (local.get $x) (local.get $sp) (local.get $ldx) (local.get $k) (i32.const 0)
        (local.get $w)))))
