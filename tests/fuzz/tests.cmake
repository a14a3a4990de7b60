# tests/fuzz/tests.cmake — libFuzzer harnesses, and their replay in every build.
#
# Every build (any compiler) gets replay_<harness>: the harness without libFuzzer, run by CTest
# over the seed corpus and the regression inputs (label `fuzz`), so a crash once found stays
# fixed. With -DPROSPERITY_FUZZ=ON (clang, and -DPROSPERITY_SANITIZE=ON) the build also makes
# fuzz_<harness>, instrumented for coverage; tests/fuzz/run builds and runs them:
#   CC=clang cmake -S . -B build-fuzz -DPROSPERITY_FUZZ=ON -DPROSPERITY_SANITIZE=ON
option(PROSPERITY_FUZZ "Build libFuzzer harnesses (needs clang)" OFF)

set(PROSPERITY_FUZZ_DIR ${CMAKE_CURRENT_LIST_DIR})
set(PROSPERITY_FUZZ_HARNESSES query http handlers import)

function(prosperity_fuzz_target target harness)
  target_link_libraries(${target} PRIVATE prosperity_server)
  target_include_directories(${target} PRIVATE ${PROSPERITY_FUZZ_DIR})
  target_compile_definitions(${target} PRIVATE
    FUZZ_DEFAULT_DB="${CMAKE_BINARY_DIR}/prosperity.db"
    FUZZ_DATA_DIR="${CMAKE_SOURCE_DIR}/data")
  add_dependencies(${target} default_db)
endfunction()

foreach(h ${PROSPERITY_FUZZ_HARNESSES})
  add_executable(replay_${h} ${PROSPERITY_FUZZ_DIR}/fuzz_${h}.c ${PROSPERITY_FUZZ_DIR}/replay.c)
  prosperity_fuzz_target(replay_${h} ${h})
  add_test(NAME fuzz_replay_${h}
           COMMAND replay_${h} ${PROSPERITY_FUZZ_DIR}/corpus/${h}
                   ${PROSPERITY_FUZZ_DIR}/regressions/${h})
  set_tests_properties(fuzz_replay_${h} PROPERTIES TIMEOUT 300 LABELS "unit;fuzz")
endforeach()

if(PROSPERITY_FUZZ)
  if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "PROSPERITY_FUZZ needs clang: CC=clang cmake -S . -B build-fuzz "
                        "-DPROSPERITY_FUZZ=ON -DPROSPERITY_SANITIZE=ON")
  endif()
  if(NOT PROSPERITY_SANITIZE)
    message(FATAL_ERROR "PROSPERITY_FUZZ needs -DPROSPERITY_SANITIZE=ON (ASan and UBSan find "
                        "what the fuzzer reaches)")
  endif()
  # Coverage instrumentation on everything that links the flags target (api/, server/), next
  # to the -fsanitize=address,undefined that PROSPERITY_SANITIZE puts there; only the harness
  # executables link libFuzzer itself (its main).
  target_compile_options(prosperity_flags INTERFACE -fsanitize=fuzzer-no-link)
  foreach(h ${PROSPERITY_FUZZ_HARNESSES})
    add_executable(fuzz_${h} ${PROSPERITY_FUZZ_DIR}/fuzz_${h}.c)
    prosperity_fuzz_target(fuzz_${h} ${h})
    target_link_options(fuzz_${h} PRIVATE -fsanitize=fuzzer)
  endforeach()
  add_custom_target(fuzz DEPENDS fuzz_query fuzz_http fuzz_handlers fuzz_import)
endif()
