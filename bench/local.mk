# bench/: load generators and the benchmark driver (make bench).
# Built only by `make bench` (EXTRA_PROGRAMS), with the normal warnings;
# scripts/bench.sh builds a non-sanitizer tree, runs them and prints the
# table. Nothing here runs in `make check`: benchmarks are timed, tests not.
EXTRA_PROGRAMS = bench/cardx-bench
bench_cardx_bench_SOURCES = bench/cardx_bench.c bench/workloads.h \
	bench/benchutil.h bench/benchutil.c bench/stub.h bench/stub.c \
	bench/prefill.h bench/prefill.c bench/sbench.h bench/sbench.c \
	bench/wl_stub.c bench/wl_scale.c bench/loadgen.h bench/loadgen.c \
	bench/wl_online.c bench/wl_client.c bench/wl_offline.c \
	bench/wl_instances.c
bench_cardx_bench_CPPFLAGS = $(AM_CPPFLAGS) \
	-DSRCDIR='"$(abs_top_srcdir)"' -DBUILDDIR='"$(abs_top_builddir)"'
# Links libphone (C++) through libcardxd and libcardx.
nodist_EXTRA_bench_cardx_bench_SOURCES = dummy.cxx
bench_cardx_bench_LDADD = component/libcardxd.la client/libcardxcli.la \
	client/libcardxcore.la \
	tests/integration/libharness.la $(CARDXD_LIBS) $(SQLITE_LIBS)

EXTRA_DIST += bench/prosody-bench.sh bench/ejabberd-offline.sh
CLEANFILES += $(EXTRA_PROGRAMS)

# Everything the benchmark runs: the driver, cardxd and the cardx client.
# Not $(EXTRA_PROGRAMS): the fuzz targets there link only with
# --enable-fuzzing.
bench: bench/cardx-bench$(EXEEXT) component/cardxd$(EXEEXT) \
	client/cardx$(EXEEXT)
.PHONY: bench

EXTRA_DIST += scripts/bench.sh docs/BENCHMARKS.md
