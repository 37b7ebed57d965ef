# lsock — build, test and demo.  `make test` is all a fresh Debian needs.
LUA      ?= lua5.4
CC       ?= cc
LUA_INC  := $(shell pkg-config --cflags lua5.4 2>/dev/null || echo -I/usr/include/lua5.4)
OPT      ?= -O2 -g
WARN     := -std=c99 -Wall -Wextra -Wshadow -Wundef -Wwrite-strings \
            -Wmissing-prototypes -Wstrict-prototypes -Wcast-qual \
            -Wpointer-arith -Werror
SRCS     := $(sort $(wildcard csrc/*.c))
HDRS     := $(wildcard csrc/*.h)
SUDO     := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
DEBS     := lua5.4 liblua5.4-dev lua-busted lua-check python3 socat openssl lua-sec \
            netcat-openbsd iproute2 lua-socket valgrind clang libclang-rt-14-dev \
            libssl-dev curl luarocks lua-copas lua-coxpcall
BUSTED   := busted --lua=$(LUA)
ASAN_LIB := $(shell $(CC) -print-file-name=libasan.so)

.PHONY: all tls tls-asan demo test test-asan test-tsan test-valgrind lint deps clean \
        fuzz fuzz-short fuzz-c fuzz-tls load load-short doc doc-index doc-options \
        guide bench bench-quick bench-lines bench-udp bench-compat bench-loop

all: build/lsock/core.so tls

# lsock.tls is its own tls.so, linked to OpenSSL: built when the headers
# are there (make deps installs libssl-dev), so that lsock.core never
# needs OpenSSL.  Checked when the recipe runs, after deps.
TLS_SRCS := $(sort $(wildcard csrc/tls/*.c))
TLS_HDRS := $(wildcard csrc/tls/*.h)
HAVE_SSL  = [ -f /usr/include/openssl/ssl.h ]
tls:
	@if $(HAVE_SSL); then $(MAKE) --no-print-directory build/lsock/tls.so; \
	else echo "no OpenSSL headers (libssl-dev): lsock.tls not built"; fi
tls-asan:
	@if $(HAVE_SSL); then $(MAKE) --no-print-directory build-asan/lsock/tls.so; fi

build/lsock/tls.so: $(TLS_SRCS) $(TLS_HDRS) Makefile
	@mkdir -p $(@D)
	$(CC) $(OPT) $(WARN) $(LUA_INC) -fPIC -shared -o $@ $(TLS_SRCS) -lssl -lcrypto

build-asan/lsock/tls.so: $(TLS_SRCS) $(TLS_HDRS) Makefile
	@mkdir -p $(@D)
	$(CC) -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	  -fno-sanitize-recover=undefined $(WARN) $(LUA_INC) -fPIC -shared \
	  -o $@ $(TLS_SRCS) -lssl -lcrypto

build/lsock/core.so: $(SRCS) $(HDRS) Makefile
	@mkdir -p $(@D)
	$(CC) $(OPT) $(WARN) $(LUA_INC) -fPIC -shared -pthread -o $@ $(SRCS)

build-asan/lsock/core.so: $(SRCS) $(HDRS) Makefile
	@mkdir -p $(@D)
	$(CC) -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	  -fno-sanitize-recover=undefined $(WARN) $(LUA_INC) -fPIC -shared \
	  -pthread -o $@ $(SRCS)

# bench/: the C peers and plain-C sides, then the driver (see bench/).
BENCH_BIN := $(patsubst bench/c/%.c,build/bench/%,$(wildcard bench/c/*.c))
LUA_ENV  := LUA_PATH="./lua/?.lua;./lua/?/init.lua;;" LUA_CPATH="./build/?.so;;"

build/bench/%: bench/c/%.c bench/c/common.h Makefile
	@mkdir -p $(@D)
	$(CC) -O2 $(WARN) -o $@ $<

bench: deps all $(BENCH_BIN)
	@$(LUA_ENV) $(LUA) bench/basic.lua

bench-quick: deps all $(BENCH_BIN)
	@$(LUA_ENV) $(LUA) bench/basic.lua quick

# Install only what is missing: dpkg -s is silent and fast when all is there.
deps:
	@missing=""; for p in $(DEBS); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

demo: deps all
	LUA_PATH="./lua/?.lua;./lua/?/init.lua;;" LUA_CPATH="./build/?.so;;" \
	  $(LUA) examples/tour.lua

test: deps all
	@LSOCK_CPATH=./build/?.so sh spec/run.sh $(BUSTED)

# libasan is preloaded into busted only (spec/run.sh), not into the shell
# tools around it; Lua children inherit it, other peers drop it.
test-asan: deps build-asan/lsock/core.so tls-asan
	@LSOCK_CPATH=./build-asan/?.so LSOCK_PRELOAD=$(ASAN_LIB) \
	  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/spec/lsan.supp:print_suppressions=0 \
	  sh spec/run.sh $(BUSTED)

# ThreadSanitizer over the lookup pool's threads (csrc/gaipool.c):
# bench/fuzz/pool_threads.lua (busted itself does not run under TSan's
# preload).  TSan cannot start threads in a child forked after threads:
# die_after_fork=0 lets the fork case go on.
TSAN_LIB := $(shell $(CC) -print-file-name=libtsan.so)
build-tsan/lsock/core.so: $(SRCS) $(HDRS) Makefile
	@mkdir -p $(@D)
	$(CC) -O1 -g -fsanitize=thread $(WARN) $(LUA_INC) -fPIC -shared -pthread \
	  -o $@ $(SRCS)
test-tsan: deps build-tsan/lsock/core.so
	LUA_PATH="./lua/?.lua;./lua/?/init.lua;;" LUA_CPATH="./build-tsan/?.so;;" \
	  LD_PRELOAD=$(TSAN_LIB) TSAN_OPTIONS=halt_on_error=1:die_after_fork=0 \
	  timeout 300 $(LUA) bench/fuzz/pool_threads.lua 5

# memcheck over the whole suite in the busted process (children run
# unchecked: they are examples and peers, and valgrind would slow them past
# their timeouts).  Any memcheck error or definite leak fails the run.
VALGRIND := valgrind -q --error-exitcode=99 --leak-check=full \
            --errors-for-leak-kinds=definite --show-leak-kinds=definite \
            --suppressions=$(CURDIR)/spec/valgrind.supp
test-valgrind: deps all
	@LSOCK_CPATH=./build/?.so LSOCK_VALGRIND=1 \
	  LSOCK_WRAP="$(VALGRIND) $(LUA) $$(command -v busted)" \
	  sh spec/run.sh


# The option sweep (bench/fuzz/options.lua: every option x socket kind x
# bad value) and the seeded API fuzzer (bench/fuzz/api.lua) under the
# ASan+UBSan build, in a fresh network namespace with only loopback up, so
# that random names never reach a resolver and random addresses never
# leave the machine.
# `make fuzz` is the long run; `make fuzz-short` the fixed-seed CI run.
FUZZ_CALLS ?= 1000000
FUZZ_SEED  ?= 1
FUZZ_ENV := LUA_PATH="$(CURDIR)/lua/?.lua;$(CURDIR)/lua/?/init.lua;;" \
            LUA_CPATH="$(CURDIR)/build-asan/?.so;;" LD_PRELOAD=$(ASAN_LIB) \
            ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:allocator_may_return_null=1 \
            UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
            LSAN_OPTIONS=suppressions=$(CURDIR)/spec/lsan.supp
# Then the loop chaos run (bench/fuzz/loop_chaos.lua), CHAOS_SEEDS seeds.
CHAOS_SEEDS ?= 500
fuzz: deps build-asan/lsock/core.so tls-asan
	$(SUDO) unshare -n sh -c 'ip link set lo up && \
	  $(FUZZ_ENV) $(LUA) bench/fuzz/options.lua && \
	  $(FUZZ_ENV) $(LUA) bench/fuzz/api.lua $(FUZZ_CALLS) $(FUZZ_SEED) && \
	  $(FUZZ_ENV) $(LUA) bench/fuzz/loop_chaos.lua $(CHAOS_SEEDS) $(FUZZ_SEED)'

fuzz-short:
	@$(MAKE) --no-print-directory fuzz FUZZ_CALLS=30000 FUZZ_SEED=9 CHAOS_SEEDS=50

# libFuzzer over the pure C parsers (fuzz/parsers.c), built with clang
# and ASan+UBSan, in a private network namespace; FUZZ_C_TIME seconds.
FUZZ_C_TIME ?= 300
build/fuzz/parsers: fuzz/parsers.c $(SRCS) $(HDRS) Makefile
	@mkdir -p $(@D)/corpus
	clang -g -O1 -fno-omit-frame-pointer \
	  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	  $(LUA_INC) -o $@ fuzz/parsers.c $(SRCS) -llua5.4

fuzz-c: deps build/fuzz/parsers
	$(SUDO) unshare -n sh -c 'ip link set lo up && \
	  build/fuzz/parsers -max_total_time=$(FUZZ_C_TIME) -rss_limit_mb=4096 \
	    -print_final_stats=1 build/fuzz/corpus'

# libFuzzer over lsock.tls's certificate walk (fuzz/tls_cert.c), seeded
# with certificates made here; FUZZ_C_TIME seconds.
build/fuzz/tls_cert: fuzz/tls_cert.c csrc/tls/cert.c $(TLS_HDRS) Makefile
	@mkdir -p $(@D)/tls_corpus
	clang -g -O1 -fno-omit-frame-pointer \
	  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	  $(LUA_INC) -o $@ fuzz/tls_cert.c csrc/tls/cert.c -llua5.4 -lssl -lcrypto

fuzz-tls: deps build/fuzz/tls_cert
	@d=build/fuzz/tls_corpus; [ -f $$d/seed1.der ] || for san in \
	  "DNS:localhost,IP:127.0.0.1,IP:::1" "email:a@b.c,URI:http://x/"; do \
	  n=$$((n + 1)); openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
	    -nodes -keyout /dev/null -outform DER -out $$d/seed$$n.der -days 1 \
	    -subj "/CN=seed $$n/O=lsock" -addext "subjectAltName=$$san" 2>/dev/null; done
	build/fuzz/tls_cert -max_total_time=$(FUZZ_C_TIME) -rss_limit_mb=4096 \
	  -print_final_stats=1 build/fuzz/tls_corpus

# Bounded load test (bench/load/): the coroutine server against
# LOAD_CONNS concurrent connections and LOAD_MSGS checked messages, from the
# Lua client and the python3 client.  `make load` is the full run (10,000
# connections, 1,000,000 messages; under a minute here, so CI runs it);
# `make load-short` a quick one.
LOAD_CONNS ?= 10000
LOAD_MSGS  ?= 1000000
load: deps all
	@if [ ! -f lua/lsock/server.lua ]; then \
	  echo "load: lsock.server (issue 5) is not in this tree yet: not run"; \
	else $(LUA_ENV) sh bench/load/run.sh $(LOAD_CONNS) $(LOAD_MSGS); fi

load-short:
	@$(MAKE) --no-print-directory load LOAD_CONNS=2000 LOAD_MSGS=100000

lint: deps
	luacheck lua spec examples bench tools
	@command -v cppcheck >/dev/null || $(SUDO) apt-get install -y -qq cppcheck
	@# Lua's headers are left out: cppcheck trips on luaconf.h's #error.
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability,performance \
	  --std=c99 --inline-suppr -D__linux__ -D_GNU_SOURCE csrc

# doc/options.md is generated from the option table (spec/options_spec.lua
# fails when the committed file is stale).
doc-options: all
	LUA_PATH="./lua/?.lua;./lua/?/init.lua;;" LUA_CPATH="./build/?.so;;" \
	  $(LUA) tools/options_doc.lua > doc/options.md

# The reference: doc/html/ from the LDoc comments (config.ld), not committed.
# lua/lsock/docindex.lua (lsock.help's table) and the guides' copies of the
# examples are committed; spec/doc_spec.lua and spec/guide_spec.lua fail when
# they are stale.
doc: all doc-index guide
	@command -v ldoc >/dev/null || $(SUDO) apt-get install -y -qq lua-ldoc
	@mkdir -p build/doc
	$(LUA) tools/docindex.lua ldoc build/doc/lsock.c
	ldoc -q .
	@echo "reference: doc/html/index.html"

doc-index:
	$(LUA) tools/docindex.lua index > lua/lsock/docindex.lua

guide:
	$(LUA) tools/guide.lua doc/guide.md doc/guide.fr.md

# UDP receive cost (bench/RESULTS-udp.md); needs LuaSocket to compare.
bench-udp: deps all
	@dpkg -s lua-socket >/dev/null 2>&1 || $(SUDO) apt-get install -y -qq lua-socket
	$(CC) -O2 -Wall -Wextra -o build/udp_bench bench/udp_bench.c
	LUA_PATH="./lua/?.lua;./lua/?/init.lua;;" LUA_CPATH="./build/?.so;;" \
	  $(LUA) bench/udp_bench.lua $(ROUNDS)

clean:
	rm -rf build build-asan doc/html

# Issue 7's benchmark: lines/s of lsock.stream vs LuaSocket vs C fgets.
build/bench/lines_fgets: bench/lines_fgets.c
	@mkdir -p $(@D)
	$(CC) -O2 -o $@ $<

bench-lines: deps all build/bench/lines_fgets
	@dpkg -s lua-socket >/dev/null 2>&1 || $(SUDO) apt-get install -y -qq lua-socket
	LUA_PATH="./lua/?.lua;./lua/?/init.lua;;" LUA_CPATH="./build/?.so;;" \
	  python3 bench/lines.py $(BENCH_ARGS)

# lsock.compat against LuaSocket (bench/RESULTS-compat.md); `make bench`
# and `make bench-lines` also run the LuaSocket scripts on compat.install().
bench-compat: deps all
	@$(LUA_ENV) $(LUA) bench/compat.lua

# Issue 5's benchmark: echo servers (C epoll, lsock, LuaSocket, luv,
# cqueues) under C = 100, 2000 and 10000 request/response connections from
# a C load generator; ulimit -n is raised only in the processes it starts.
.PHONY: bench-servers
build/bench/loadgen: bench/loadgen.c
	@mkdir -p $(@D)
	$(CC) -O2 -Wall -o $@ $<

build/bench/echo_epoll: bench/echo_epoll.c
	@mkdir -p $(@D)
	$(CC) -O2 -Wall -o $@ $<

# loop.getaddrinfo's pool against sequential lookups and getaddrinfo_a,
# and the cost of timers (bench/RESULTS-loop.md), in a private namespace.
bench-loop: deps all build/bench/gai_a
	$(SUDO) env LUA_PATH="./lua/?.lua;./lua/?/init.lua;;" LUA_CPATH="./build/?.so;;" \
	  timeout 600 unshare -mnpf --kill-child --mount-proc \
	  sh bench/loop_names.sh $(BENCH_ARGS)

bench-servers: deps all build/bench/loadgen build/bench/echo_epoll
	@for p in lua-socket lua-luv lua-cqueues; do \
	  dpkg -s $$p >/dev/null 2>&1 || $(SUDO) apt-get install -y -qq $$p; done
	LUA_PATH="./lua/?.lua;./lua/?/init.lua;;" LUA_CPATH="./build/?.so;;" \
	  python3 bench/servers.py $(BENCH_ARGS)
