# Lifecycle, proxy and deployment tests (label `system`): the real binary under signals and load,
# behind the real nginx with config/nginx.conf, and installed the way the Dockerfile installs it.
# Included by tests/CMakeLists.txt. Run them with `ctest -R ops_` (or `ctest -L system`).
set(PROSPERITY_OPS_DIR ${CMAKE_CURRENT_LIST_DIR})

add_library(opsutil STATIC ${PROSPERITY_OPS_DIR}/opsutil.c)
target_include_directories(opsutil PUBLIC ${PROSPERITY_OPS_DIR})
target_link_libraries(opsutil PUBLIC testutil Threads::Threads m)

find_program(PROSPERITY_NGINX nginx PATHS /usr/sbin /usr/local/sbin /usr/local/nginx/sbin)
if(NOT PROSPERITY_NGINX)
  # The test reports the missing package (.ci/deps --test installs nginx-light) and fails.
  set(PROSPERITY_NGINX nginx)
endif()

# Tests and targets are named ops_*: names are global across the test folders.
foreach(t reload shutdown proxy container)
  add_executable(ops_${t} ${PROSPERITY_OPS_DIR}/test_${t}.c)
  target_link_libraries(ops_${t} PRIVATE opsutil)
  add_dependencies(ops_${t} prosperity default_db)
  target_compile_definitions(ops_${t} PRIVATE PROSPERITY_NGINX="${PROSPERITY_NGINX}")
  add_test(NAME ops_${t} COMMAND ops_${t})
  # Each runs servers under load, nginx or a whole build, and measures time: alone, so that a
  # small machine running other tests beside them cannot make them miss a deadline.
  set_tests_properties(ops_${t} PROPERTIES TIMEOUT 300 LABELS system RUN_SERIAL TRUE)
endforeach()
# test_shutdown starts servers with this shim preloaded (see slow_epoll.c).
add_library(ops_slow_epoll MODULE ${PROSPERITY_OPS_DIR}/slow_epoll.c)
target_link_libraries(ops_slow_epoll PRIVATE ${CMAKE_DL_LIBS})
add_dependencies(ops_shutdown ops_slow_epoll)
target_compile_definitions(ops_shutdown PRIVATE OPS_SLOW_EPOLL="$<TARGET_FILE:ops_slow_epoll>")
# The container recipe builds and runs the unit tests in the Dockerfile's context, as docker does.
set_tests_properties(ops_container PROPERTIES TIMEOUT 450)

# README's build-and-serve command with only the run-time packages visible to pkg-config.
add_test(NAME ops_first_contact
  COMMAND ${PROSPERITY_OPS_DIR}/first_contact.sh ${CMAKE_SOURCE_DIR}
          ${CMAKE_BINARY_DIR}/first-contact)
set_tests_properties(ops_first_contact PROPERTIES TIMEOUT 300 LABELS system RUN_SERIAL TRUE)
