# bench/ is not timed in the tests; this only keeps its tools working (see smoke.sh). A source
# tree without bench/ (the container's build context) has no prosperity_micro and no smoke test.
if(TARGET prosperity_micro)
  add_test(NAME bench_smoke
    COMMAND ${CMAKE_CURRENT_LIST_DIR}/smoke.sh $<TARGET_FILE:prosperity>
            $<TARGET_FILE:prosperity_micro> ${CMAKE_SOURCE_DIR} ${CMAKE_BINARY_DIR}/prosperity.db)
  set_tests_properties(bench_smoke PROPERTIES LABELS system TIMEOUT 300)
endif()
