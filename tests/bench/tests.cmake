# bench/ is not timed in the tests; this only keeps its tools working (see smoke.sh). A source
# tree without bench/ (the container's build context) has no prosperity_micro, prosperity_load
# or prosperity_floor and no smoke test.
if(TARGET prosperity_micro AND TARGET prosperity_load AND TARGET prosperity_floor)
  add_test(NAME bench_smoke
    COMMAND ${CMAKE_CURRENT_LIST_DIR}/smoke.sh $<TARGET_FILE:prosperity>
            $<TARGET_FILE:prosperity_micro> ${CMAKE_SOURCE_DIR} ${CMAKE_BINARY_DIR}/prosperity.db
            $<TARGET_FILE:prosperity_load> $<TARGET_FILE:prosperity_floor>)
  set_tests_properties(bench_smoke PROPERTIES LABELS system TIMEOUT 300)
endif()
