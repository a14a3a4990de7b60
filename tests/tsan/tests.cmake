# ThreadSanitizer (label `tsan`, only in a -DPROSPERITY_TSAN=ON build; tests/run makes one):
# the server under load with a small cache and a SIGHUP every second.
if(PROSPERITY_TSAN)
  add_test(NAME tsan_stress
    COMMAND ${CMAKE_CURRENT_LIST_DIR}/stress.sh $<TARGET_FILE:prosperity>
            ${CMAKE_BINARY_DIR}/prosperity.db ${CMAKE_BINARY_DIR}/tsan-stress 20)
  set_tests_properties(tsan_stress PROPERTIES LABELS tsan TIMEOUT 300 RUN_SERIAL TRUE)
endif()
