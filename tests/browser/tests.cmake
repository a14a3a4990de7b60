# The browsing page in a real browser: Debian's Chromium driven by playwright-core (npm, installed
# by the run script into tests/browser/node_modules), against the built binary and the default
# database, then behind nginx under /prosperity/. Screenshots go to tests/artifacts/.
add_test(NAME browser
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/browser/run $<TARGET_FILE:prosperity>
          ${CMAKE_BINARY_DIR}/prosperity.db ${CMAKE_BINARY_DIR}/tests/artifacts)
set_tests_properties(browser PROPERTIES LABELS system TIMEOUT 300)
