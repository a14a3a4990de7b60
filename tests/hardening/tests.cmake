# tests/hardening/tests.cmake — hostile requests and slow clients against the real binary.
set(PROSPERITY_HARDENING_DIR ${CMAKE_CURRENT_LIST_DIR})
foreach(t hostile slowloris)
  add_executable(test_${t} ${PROSPERITY_HARDENING_DIR}/test_${t}.c
                           ${PROSPERITY_HARDENING_DIR}/rawhttp.c)
  target_include_directories(test_${t} PRIVATE ${PROSPERITY_HARDENING_DIR})
  target_link_libraries(test_${t} PRIVATE testutil)
  add_dependencies(test_${t} prosperity default_db)
  add_test(NAME ${t} COMMAND test_${t})
  set_tests_properties(${t} PROPERTIES TIMEOUT 300 LABELS "unit;hardening")
endforeach()

# test_http (tests/CMakeLists.txt) sends some requests byte for byte too: a 304's exact header
# block, raw bytes in a target for the JSON access log.
target_sources(test_http PRIVATE ${PROSPERITY_HARDENING_DIR}/rawhttp.c)
target_include_directories(test_http PRIVATE ${PROSPERITY_HARDENING_DIR})
