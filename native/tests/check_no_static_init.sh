#!/bin/sh
# usage: check_no_static_init.sh NM OBJECT...
# Fails when an ISA-specific object (*_avx2 / *_avx512 / *_dotprod / *_i8mm) has a dynamic initializer
# (_GLOBAL__sub_I_*): it runs when the library loads, on every CPU, so one compiled for AVX-512
# kills the process with SIGILL on AVX2 machines. Baseline objects (*_neon too) may have them.
nm="$1"; shift
fail=0
for o in "$@"; do
  case "$o" in *_avx2.cpp.o|*_avx512.cpp.o|*_dotprod.cpp.o|*_i8mm.cpp.o) ;; *) continue;; esac
  syms=$("$nm" "$o") || { echo "nm failed on $o"; fail=1; continue; }
  case "$syms" in *_GLOBAL__sub_I*) echo "dynamic initializer in $o"; fail=1;; esac
done
exit $fail
