# Every kernel under Oclgrind, the OpenCL simulator that checks each global,
# private and local access, barrier divergence and (--data-races) races,
# and fresh memory that is not zero - what PoCL forgives and a GPU does not.
# A run fails on any Oclgrind error line as well as on a wrong result; the
# bench poisons its output and workspace with NaN, which stands in for
# Oclgrind's --uninitialized plugin (Debian's 21.10 cannot run it on code
# from LLVM 14).  Oclgrind reports every device type, so clconv gives it
# the GPU parameter set; the other entries force the CPU and "other" sets.
# Replay one case: see the repro line a failure prints.
find_program(CLCONV_OCLGRIND oclgrind)
set(_og_cases ${CMAKE_CURRENT_SOURCE_DIR}/oclgrind/cases.txt)
set(_og_conf ${CMAKE_CURRENT_SOURCE_DIR}/conformance/conformance.py)
if(TARGET clconv-bench AND _clconv_conf_py AND CLCONV_OCLGRIND)
  foreach(cls gpu cpu other)
    add_test(NAME oclgrind_cases_${cls}
      COMMAND "${_clconv_conf_py}" ${_og_conf} --bench $<TARGET_FILE:clconv-bench>
              --case-file ${_og_cases} --jobs 2
              --runner "${CLCONV_OCLGRIND} --check-api --data-races"
              --keep ${CMAKE_CURRENT_BINARY_DIR}/oclgrind-failures-${cls})
    set_tests_properties(oclgrind_cases_${cls} PROPERTIES LABELS "oclgrind;slow"
      SKIP_RETURN_CODE 77 TIMEOUT 900 COST 5000 ENVIRONMENT "CLCONV_PARAMS=class=${cls}")
  endforeach()
  # Seeded random cases of the conformance generator, small enough to
  # simulate quickly; a different seed from the PoCL conformance run.
  add_test(NAME oclgrind_random
    COMMAND "${_clconv_conf_py}" ${_og_conf} --bench $<TARGET_FILE:clconv-bench>
            --seed 6061 --cases 100 --max-work 60000 --jobs 2
            --runner "${CLCONV_OCLGRIND} --check-api"
            --keep ${CMAKE_CURRENT_BINARY_DIR}/oclgrind-failures-random)
  set_tests_properties(oclgrind_random PROPERTIES LABELS "oclgrind;slow"
    SKIP_RETURN_CODE 77 TIMEOUT 900 COST 5000)
else()
  add_test(NAME oclgrind COMMAND sh -c "echo 'oclgrind: skipped: needs oclgrind (Debian package oclgrind), python3 with numpy and clconv-bench'; exit 77")
  set_tests_properties(oclgrind PROPERTIES LABELS "oclgrind;slow" SKIP_RETURN_CODE 77)
endif()
