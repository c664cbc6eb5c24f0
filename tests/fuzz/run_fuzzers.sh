#!/usr/bin/env bash
# Builds the libFuzzer targets (jwt/fuzz, server/grpc/fuzz, server/users/fuzz, server/oauth/fuzz,
# server/http/fuzz) with clang (-fsanitize=fuzzer,address,undefined) and runs each for a bounded
# time, starting from its committed seed corpus.
#
#   tests/fuzz/run_fuzzers.sh [RESULTS_FILE]
#   FUZZ_SECONDS=600 tests/fuzz/run_fuzzers.sh     # a longer campaign
#   FUZZ_JOBS=1 tests/fuzz/run_fuzzers.sh          # one campaign at a time (default: one per core)
#
# Outside Bazel on purpose: Debian's Bazel toolchain is gcc, which has no libFuzzer. Work files go
# to .fuzz/ (git-ignored): objects, the growing corpus, and crash reproducers in .fuzz/artifacts.
# Each line appended to RESULTS_FILE is "<target> PASSED" or "<target> FAILED".
set -uo pipefail
cd "$(dirname "$0")/../.."

results=${1:-/dev/null}
seconds=${FUZZ_SECONDS:-30}
work=.fuzz
mkdir -p "$work/obj" "$work/artifacts"

flags=(-std=c++17 -O1 -g -I. -DOPENSSL_SUPPRESS_DEPRECATED -fno-omit-frame-pointer
       -Wall -Wextra -Werror)
read -r -a pkg_flags <<<"$(pkg-config --cflags absl_status absl_statusor absl_strings \
  absl_str_format absl_time libcrypto nlohmann_json)"
read -r -a pkg_libs <<<"$(pkg-config --libs absl_status absl_statusor absl_strings \
  absl_str_format absl_time absl_hash absl_raw_hash_set libcrypto)"
read -r -a grpc_flags <<<"$(pkg-config --cflags grpc++ protobuf)"
read -r -a grpc_libs <<<"$(pkg-config --libs grpc++ protobuf)"
pkg_flags+=("${grpc_flags[@]}")

# The method policy reads the (identity.v1.auth) method option: generate its C++ as Bazel does.
mkdir -p "$work/gen"
if ! protoc -Iproto -I/usr/include --cpp_out="$work/gen" proto/identity/v1/auth.proto; then
  echo "fuzz_build FAILED" >>"$results"
  exit 1
fi
flags+=("-I$work/gen")

# Flags for the sources being compiled now, on top of $flags.
extra_flags=()
# Compiles sources instrumented for coverage but without libFuzzer's main;
# appends the objects to the array named by $1.
compile() {
  local -n out=$1
  shift
  local src obj
  for src in "$@"; do
    obj="$work/obj/${src//\//_}.o"
    if [[ ! -f "$obj" || "$src" -nt "$obj" || -n "$(find jwt oauth_common client server \
          -name '*.h' -newer "$obj" -print -quit)" ]]; then
      if ! clang++ "${flags[@]}" "${extra_flags[@]}" "${pkg_flags[@]}" \
          -fsanitize=fuzzer-no-link,address,undefined -c "$src" -o "$obj"; then
        # Counted as a failure by the test command, not lost.
        echo "fuzz: cannot compile $src" >&2
        echo "fuzz_build FAILED" >>"$results"
        exit 1
      fi
    fi
    out+=("$obj")
  done
}

jwt_objects=()
jwt_sources=()
for src in jwt/*.cc; do
  [[ "$src" == *_test.cc ]] || jwt_sources+=("$src")
done
# jwt/'s internal headers compile only inside jwt/ (see jwt/BUILD.bazel).
extra_flags=(-DIDENTITY_JWT_INTERNAL)
compile jwt_objects "${jwt_sources[@]}"
extra_flags=()
# The authorization target also needs the metadata parsers and the authorizer.
auth_objects=()
compile auth_objects "$work/gen/identity/v1/auth.pb.cc" \
  client/interceptor/call_authorizer.cc client/interceptor/dpop_check.cc \
  client/interceptor/method_policy.cc \
  client/interceptor/token_validator.cc server/grpc/client_credentials_metadata.cc \
  server/oauth/authorization_header.cc server/oauth/client_credentials.cc \
  server/oauth/client_assertion.cc server/oauth/client_jwks.cc \
  server/oauth/form_urlencoded.cc server/oauth/oauth_error.cc oauth_common/scope_syntax.cc
# The client assertion target: private_key_jwt's parsers, on the in-memory store.
assertion_objects=()
compile assertion_objects server/oauth/authorization_header.cc \
  server/oauth/client_credentials.cc server/oauth/client_assertion.cc \
  server/oauth/client_jwks.cc server/oauth/form_urlencoded.cc server/oauth/oauth_error.cc \
  storage/memory/memory_store.cc storage/memory/memory_device_store.cc \
  storage/client_store.cc storage/consent_store.cc storage/device_authorization_store.cc \
  storage/grant_store.cc storage/login_attempt_store.cc storage/resource_store.cc \
  storage/session_store.cc storage/signing_key_store.cc storage/user_store.cc
# The PHC target needs only the Argon2 PHC parser (no libargon2: nothing is hashed).
phc_objects=()
compile phc_objects server/users/argon2_phc.cc
# The form target: the HTTP front door's parsers.
form_objects=()
compile form_objects server/http/form.cc server/http/session.cc \
  server/oauth/form_urlencoded.cc server/http/page_messages.cc
# The authorize target: the OAuth core's request parsers.
authorize_objects=()
compile authorize_objects server/oauth/pkce.cc server/oauth/redirect_uri.cc \
  server/oauth/scope.cc server/oauth/oauth_error.cc oauth_common/scope_syntax.cc

status=0
# target source corpus
targets=(
  "token_fuzzer jwt/fuzz/token_fuzzer.cc jwt/fuzz/corpus/token"
  "jwks_fuzzer jwt/fuzz/jwks_fuzzer.cc jwt/fuzz/corpus/jwks"
  "dpop_fuzzer jwt/fuzz/dpop_fuzzer.cc jwt/fuzz/corpus/dpop"
  "authorization_fuzzer server/grpc/fuzz/authorization_fuzzer.cc server/grpc/fuzz/corpus/authorization"
  "phc_fuzzer server/users/fuzz/phc_fuzzer.cc server/users/fuzz/corpus/phc"
  "authorize_fuzzer server/oauth/fuzz/authorize_fuzzer.cc server/oauth/fuzz/corpus/authorize"
  "client_assertion_fuzzer server/oauth/fuzz/client_assertion_fuzzer.cc server/oauth/fuzz/corpus/client_assertion"
  "form_fuzzer server/http/fuzz/form_fuzzer.cc server/http/fuzz/corpus/form"
)

# run_one TARGET SEEDS: one fuzzing campaign; its verdict goes to $work/TARGET.verdict.
run_one() {
  local target=$1 seeds=$2
  local corpus=${target%_fuzzer}
  mkdir -p "$work/corpus/$corpus"
  echo "fuzz: running $target for ${seconds}s" >&2
  if UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 "$work/$target" \
      -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$work/artifacts/$target-" \
      "$work/corpus/$corpus" "$seeds" >"$work/$target.log" 2>&1; then
    echo PASSED >"$work/$target.verdict"
    grep -E '^stat::number_of_executed_units|^#[0-9]+.*DONE' "$work/$target.log" | tail -2 >&2
  else
    echo FAILED >"$work/$target.verdict"
    tail -40 "$work/$target.log" >&2
  fi
}

# Link every target first, then fuzz FUZZ_JOBS at a time (default: one per core; each campaign
# is one process on one core, so two cores halve the wall time without shortening any).
jobs_max=${FUZZ_JOBS:-$(nproc)}
running=0
for entry in "${targets[@]}"; do
  read -r target source seeds <<<"$entry"
  objects=("${jwt_objects[@]}")
  libs=("${pkg_libs[@]}")
  if [[ $target == authorization_fuzzer ]]; then
    objects+=("${auth_objects[@]}")
    libs+=("${grpc_libs[@]}")
  elif [[ $target == phc_fuzzer ]]; then
    objects+=("${phc_objects[@]}")
  elif [[ $target == authorize_fuzzer ]]; then
    objects+=("${authorize_objects[@]}")
  elif [[ $target == form_fuzzer ]]; then
    objects+=("${form_objects[@]}")
  elif [[ $target == client_assertion_fuzzer ]]; then
    objects+=("${assertion_objects[@]}")
    libs+=($(pkg-config --libs absl_synchronization))
  fi
  rm -f "$work/$target.verdict"
  if ! clang++ "${flags[@]}" "${pkg_flags[@]}" -fsanitize=fuzzer,address,undefined \
      "$source" "${objects[@]}" "${libs[@]}" -o "$work/$target"; then
    echo FAILED >"$work/$target.verdict"
    continue
  fi
  if ((running >= jobs_max)); then
    wait -n
    running=$((running - 1))
  fi
  run_one "$target" "$seeds" &
  running=$((running + 1))
done
wait
for entry in "${targets[@]}"; do
  read -r target _ <<<"$entry"
  verdict=$(cat "$work/$target.verdict" 2>/dev/null || echo FAILED)
  echo "$target $verdict" >>"$results"
  [[ $verdict == PASSED ]] || status=1
done
exit $status
