# tests/lint/tests.cmake — cppcheck and clang-tidy must be clean on api/ and server/.
add_test(NAME lint COMMAND ${CMAKE_CURRENT_LIST_DIR}/run ${CMAKE_BINARY_DIR})
set_tests_properties(lint PROPERTIES LABELS lint TIMEOUT 600)

# The READMEs point only to paths that exist.
add_test(NAME doclinks COMMAND ${CMAKE_CURRENT_LIST_DIR}/doclinks)
set_tests_properties(doclinks PROPERTIES LABELS lint TIMEOUT 60)

# A release build's binary carries the hardening flags (readelf, nm). Debug builds have no
# FORTIFY_SOURCE, and sanitizer builds replace the stack protector's checks with their own.
if(PROSPERITY_HARDEN AND NOT PROSPERITY_SANITIZE AND NOT CMAKE_BUILD_TYPE STREQUAL "Debug")
  add_test(NAME hardening COMMAND ${CMAKE_CURRENT_LIST_DIR}/hardening $<TARGET_FILE:prosperity>)
  set_tests_properties(hardening PROPERTIES LABELS lint TIMEOUT 60)
endif()
