# Deformable convolution (test_deform_conv.c): the reference's hand cases,
# invalid fields, the arena, named cases with several parameter sets and a
# seeded sweep against the float64 reference.  Again with the GPU parameter
# set on PoCL, and under Oclgrind (any Oclgrind error line fails the run).
add_test(NAME deform_conv COMMAND test_deform_conv --count 200)
set_tests_properties(deform_conv PROPERTIES SKIP_RETURN_CODE 77 LABELS "unit" TIMEOUT 300)
add_test(NAME gpu_params_deform_conv COMMAND test_deform_conv --count 80 --seed 2)
set_tests_properties(gpu_params_deform_conv PROPERTIES SKIP_RETURN_CODE 77
  LABELS "gpu_params" TIMEOUT 300 ENVIRONMENT "CLCONV_PARAMS=class=gpu")
find_program(CLCONV_OCLGRIND oclgrind)
if(CLCONV_OCLGRIND)
  foreach(cls gpu cpu other)
    add_test(NAME oclgrind_deform_conv_${cls}
      COMMAND ${CLCONV_OCLGRIND} --check-api --data-races $<TARGET_FILE:test_deform_conv>
              --count 60 --seed 3)
    set_tests_properties(oclgrind_deform_conv_${cls} PROPERTIES LABELS "oclgrind;slow"
      SKIP_RETURN_CODE 77 TIMEOUT 600 ENVIRONMENT "CLCONV_PARAMS=class=${cls}"
      FAIL_REGULAR_EXPRESSION "Oclgrind;Invalid (read|write|access);Uninitiali[sz]ed;Work-(group|item) divergence;data race;out of bounds")
  endforeach()
endif()
# Conformance: clconv-bench run --op deform_conv against an independent
# numpy implementation (tests/conformance/deform_conv_ref.py); 77 without
# /usr/bin/python3 + numpy.
if(TARGET clconv-bench)
  add_test(NAME conformance_deform_conv
    COMMAND sh -c "if ! [ -x /usr/bin/python3 ] || ! /usr/bin/python3 -c 'import numpy' 2>/dev/null; then echo 'conformance_deform_conv: skipped: needs /usr/bin/python3 with numpy'; exit 77; fi; exec /usr/bin/python3 \"$0\" --bench \"$1\" --cases 40" ${CMAKE_CURRENT_SOURCE_DIR}/conformance/deform_conv_check.py $<TARGET_FILE:clconv-bench>)
  set_tests_properties(conformance_deform_conv PROPERTIES LABELS "conformance"
    SKIP_RETURN_CODE 77 TIMEOUT 600)
endif()
