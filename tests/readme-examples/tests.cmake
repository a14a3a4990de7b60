# The README's examples of reading the API from pandas, R, Grafana Infinity and Vega-Lite, run
# against the built binary (tests/readme-examples/run).
add_test(NAME readme_examples
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/readme-examples/run $<TARGET_FILE:prosperity>
          ${CMAKE_BINARY_DIR}/prosperity.db ${CMAKE_BINARY_DIR}/tests/artifacts)
set_tests_properties(readme_examples PROPERTIES LABELS system TIMEOUT 300)
