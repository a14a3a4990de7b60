# tests/lint/tests.cmake — cppcheck and clang-tidy must be clean on api/ and server/.
add_test(NAME lint COMMAND ${CMAKE_CURRENT_LIST_DIR}/run ${CMAKE_BINARY_DIR})
set_tests_properties(lint PROPERTIES LABELS lint TIMEOUT 600)
