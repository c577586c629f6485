# safepath build. One build tree per profile: build/gcc (default), build/clang, build/asan,
# build/fuzz. `make check` builds the gcc and clang trees with warnings as errors, runs the unit
# suite in gcc and asan, replays the fuzz corpora, and ends with "N passed, N failed".

PROFILE ?= gcc
B := build/$(PROFILE)
PREFIX ?= /usr/local

PKGS := libsodium sqlite3 libpq jansson icu-uc icu-i18n icu-io libmicrohttpd gnutls
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread -lm
TEST_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null)

WARN := -Wall -Wextra -Wpedantic -Wformat=2 -Wshadow -Wcast-qual -Wstrict-prototypes \
	-Wmissing-prototypes -Wold-style-definition -Wvla -Wwrite-strings -Wnull-dereference \
	-Wimplicit-fallthrough -fno-common -Werror
STD := -std=c11 -D_POSIX_C_SOURCE=200809L
HARDEN := -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
HARDEN_LD := -pie -Wl,-z,relro,-z,now

ifeq ($(PROFILE),gcc)
CC := gcc
OPT := -O2 -g $(HARDEN)
WARN += -Wduplicated-cond -Wlogical-op
LDX := $(HARDEN_LD)
else ifeq ($(PROFILE),clang)
CC := clang
OPT := -O2 -g $(HARDEN)
LDX := $(HARDEN_LD)
else ifeq ($(PROFILE),asan)
CC := clang
OPT := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
LDX := -fsanitize=address,undefined
else ifeq ($(PROFILE),fuzz)
CC := clang
OPT := -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined
LDX := -fsanitize=fuzzer,address,undefined
# The CLI has its own main(): link it without libFuzzer's (the coverage hooks stay).
CLI_LDX := -fsanitize=fuzzer-no-link,address,undefined
else
$(error unknown PROFILE $(PROFILE): gcc, clang, asan or fuzz)
endif
CLI_LDX ?= $(LDX)

VERSION := 0.1.0
CFLAGS := -DSAFEPATH_VERSION=\"$(VERSION)\" $(STD) $(WARN) $(OPT) -Iinclude -Isrc $(PKG_CFLAGS) -MMD -MP

LIB_SRC := $(sort $(filter-out src/cli/%,$(wildcard src/*/*.c)))
CLI_SRC := $(sort $(wildcard src/cli/*.c))
EMBED_IN := $(sort $(wildcard src/store/migrations/*.sql) $(wildcard protocols/*.json) $(wildcard config/*.json) $(wildcard config/*/*.json))
# The web shell (docs/web.md): web/ bundled by esbuild (bare imports resolved from node_modules)
# into $(B)/web/app.js, embedded as web/app.js beside the files served as they are.
WEB_SRC := $(sort $(wildcard web/*.js web/*/*.js web/i18n/*.json)) protocols/codes.json
WEB_FILES := web/app.css web/icon.svg web/index.html
LIB_OBJ := $(LIB_SRC:%.c=$(B)/%.o) $(B)/gen/embedded.o
CLI_OBJ := $(CLI_SRC:%.c=$(B)/%.o)
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(B)/fuzz/%)

.PHONY: all build run check bench fuzz fuzz-build asan lint install clean units
.DEFAULT_GOAL := all

all:
	@$(MAKE) -s --no-print-directory PROFILE=gcc build

build: $(B)/libsafepath.a $(B)/safepath $(B)/tools/gen_persons

$(B)/libsafepath.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/safepath: $(CLI_OBJ) $(B)/libsafepath.a
	$(CC) $(OPT) $(CLI_LDX) -o $@ $(CLI_OBJ) $(B)/libsafepath.a $(PKG_LIBS)

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

# The synthetic person generator with ground truth (docs/generator.md): standalone, built in
# each profile so that its tests run it as the suite's other programs are run.
GEN_SRC := $(sort $(wildcard tools/gen_persons/*.c))
$(B)/tools/gen_persons: $(GEN_SRC) tools/gen_persons/gen.h
	@mkdir -p $(dir $@)
	$(CC) $(STD) $(WARN) $(OPT) $(CLI_LDX) -o $@ $(GEN_SRC)

# Data files (migrations, protocols, configuration) are compiled into the binary.
$(B)/tools/embed: tools/embed.c
	@mkdir -p $(dir $@)
	cc -std=c11 -O1 -Wall -Wextra -Werror -o $@ $<

$(B)/web/app.js: $(WEB_SRC) package-lock.json
	@mkdir -p $(dir $@)
	node_modules/.bin/esbuild web/main.js --bundle --format=esm --minify --target=es2020 \
		--legal-comments=none --log-level=warning --outfile=$@

# Sorted by stored path: web/app.css, web/app.js, web/icon.svg, web/index.html come last.
$(B)/gen/embedded.c: $(B)/tools/embed $(EMBED_IN) $(WEB_FILES) $(B)/web/app.js
	@mkdir -p $(dir $@)
	$(B)/tools/embed $(EMBED_IN) web/app.css web/app.js=$(B)/web/app.js web/icon.svg \
		web/index.html > $@.tmp && mv $@.tmp $@

$(B)/gen/embedded.o: $(B)/gen/embedded.c
	$(CC) $(STD) $(OPT) -Iinclude -c -o $@ $<

# docs/openapi.yaml as JSON, for the drift test (tests/unit/test_openapi.c) and the API tests;
# made with the unit tests, so the program itself needs no YAML library.
$(B)/tools/yaml2json: tools/yaml2json.c
	@mkdir -p $(dir $@)
	cc -std=c11 -D_POSIX_C_SOURCE=200809L -O1 -Wall -Wextra -Werror $(shell pkg-config --cflags yaml-0.1 jansson) \
		-o $@ $< $(shell pkg-config --libs yaml-0.1 jansson) -lm

$(B)/openapi.json: docs/openapi.yaml $(B)/tools/yaml2json
	$(B)/tools/yaml2json docs/openapi.yaml > $@.tmp && mv $@.tmp $@

$(B)/tests/test_openapi: $(B)/openapi.json
$(B)/tests/test_openapi: private CFLAGS += -DSP_OPENAPI_JSON=\"$(B)/openapi.json\"

$(B)/tests/test_gen_persons: $(B)/tools/gen_persons
$(B)/tests/test_gen_persons: private CFLAGS += -DSP_GEN_PERSONS=\"$(B)/tools/gen_persons\"
$(B)/tests/test_gen_persons_quality: $(B)/tools/gen_persons tests/unit/gen_cells.h
$(B)/tests/test_gen_persons_quality: private CFLAGS += -DSP_GEN_PERSONS=\"$(B)/tools/gen_persons\"

units: $(UNIT_BIN)

$(B)/tests/%: tests/unit/%.c $(B)/libsafepath.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Wno-missing-prototypes -o $@ $< $(B)/libsafepath.a $(LDX) $(PKG_LIBS) $(TEST_LIBS)

fuzz-build: $(FUZZ_BIN)

$(B)/fuzz/%: tests/fuzz/%.c $(B)/libsafepath.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Wno-missing-prototypes -o $@ $< $(B)/libsafepath.a $(LDX) $(PKG_LIBS)

run:
	bash scripts/deps.sh
	@$(MAKE) -s --no-print-directory PROFILE=gcc build
	bash scripts/run.sh

check:
	bash tests/run.sh

asan:
	@$(MAKE) --no-print-directory PROFILE=asan build units
	bash tests/run.sh --only unit-asan

fuzz:
	@$(MAKE) --no-print-directory PROFILE=fuzz build fuzz-build
	bash tests/fuzz/run.sh long

bench:
	@$(MAKE) -s --no-print-directory PROFILE=gcc build
	bash bench/run.sh

lint:
	bash scripts/lint.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 build/gcc/safepath $(DESTDIR)$(PREFIX)/bin/safepath

clean:
	rm -rf build

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d)
