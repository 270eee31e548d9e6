# One CTest entry per ONNX backend node test that clconv covers, found in
# ${CLCONV_ONNX_DATA} when CMake configures (re-run CMake after installing
# or upgrading libonnx-testdata).  Covered: test_conv_*, test_basic_conv_*,
# test_convtranspose*, test_depthtospace*, test_spacetodepth*; *convinteger*
# is ConvInteger, an integer op clconv does not implement.  The filter must
# match covered() in tests/test_onnx.c.
set(onnx_cases "")
if(IS_DIRECTORY "${CLCONV_ONNX_DATA}")
  file(GLOB onnx_dirs LIST_DIRECTORIES true RELATIVE "${CLCONV_ONNX_DATA}"
       "${CLCONV_ONNX_DATA}/test_*")
  foreach(d IN LISTS onnx_dirs)
    if(IS_DIRECTORY "${CLCONV_ONNX_DATA}/${d}"
       AND d MATCHES "^test_(conv_|basic_conv_|convtranspose|depthtospace|spacetodepth)"
       AND NOT d MATCHES "convinteger")
      list(APPEND onnx_cases ${d})
    endif()
  endforeach()
  list(SORT onnx_cases)
endif()

if(onnx_cases)
  foreach(c IN LISTS onnx_cases)
    add_test(NAME onnx_${c} COMMAND test_onnx --case ${c} --data "${CLCONV_ONNX_DATA}")
  endforeach()
  list(TRANSFORM onnx_cases PREPEND onnx_ OUTPUT_VARIABLE onnx_tests)
  set_tests_properties(${onnx_tests} PROPERTIES LABELS onnx SKIP_RETURN_CODE 77)
else()
  # No data: one entry that reports the skip and its reason (test_onnx
  # exits 77 for a missing or empty data directory).
  message(STATUS "ONNX node tests: no cases in ${CLCONV_ONNX_DATA}; registering a skipped test")
  add_test(NAME onnx_data_missing COMMAND test_onnx --list --data "${CLCONV_ONNX_DATA}")
  set_tests_properties(onnx_data_missing PROPERTIES LABELS onnx SKIP_RETURN_CODE 77)
endif()
