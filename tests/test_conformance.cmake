# Independent ONNX conformance of `clconv-bench run` (tests/conformance/):
# a few hundred seeded Conv / ConvTranspose / DepthToSpace / SpaceToDepth
# cases against a float64 numpy reference, every algorithm forced.
# Needs a python3 with numpy; PATH's first python3 may lack it (pyenv), so
# each candidate is asked, and without one the test reports a skip (77).
set(CLCONV_CONFORMANCE_PYTHON "" CACHE FILEPATH "python3 with numpy for the conformance test")
find_program(_clconv_path_python3 NAMES python3)
set(_clconv_conf_py "")
foreach(_py IN ITEMS "${CLCONV_CONFORMANCE_PYTHON}" "${_clconv_path_python3}"
                     /usr/bin/python3 /usr/local/bin/python3)
  if(_py AND NOT _clconv_conf_py AND EXISTS "${_py}")
    execute_process(COMMAND "${_py}" -c "import numpy" RESULT_VARIABLE _rc
                    OUTPUT_QUIET ERROR_QUIET)
    if(_rc EQUAL 0)
      set(_clconv_conf_py "${_py}")
    endif()
  endif()
endforeach()
if(NOT _clconv_conf_py)
  set(_clconv_conf_py "${_clconv_path_python3}") # the script itself exits 77
endif()

if(TARGET clconv-bench AND _clconv_conf_py)
  add_test(NAME conformance
    COMMAND "${_clconv_conf_py}" ${CMAKE_CURRENT_SOURCE_DIR}/conformance/conformance.py
            --bench $<TARGET_FILE:clconv-bench> --cases 300 --jobs 2
            --keep ${CMAKE_CURRENT_BINARY_DIR}/conformance-failures)
  set_tests_properties(conformance PROPERTIES LABELS "conformance;slow"
                       SKIP_RETURN_CODE 77 TIMEOUT 1200
                       COST 10000) # the longest test: start it first under ctest -j
else()
  add_test(NAME conformance COMMAND sh -c "echo 'conformance: skipped: no python3 or no clconv-bench target'; exit 77")
  set_tests_properties(conformance PROPERTIES LABELS "conformance;slow" SKIP_RETURN_CODE 77)
endif()
