# depthwise: named cases around the run lengths, a seeded random sweep
# (replay with --seed S --case I), refusals and trace.  The second entry
# forces one pixel per work-item and the driver's work-group size, the
# shape other devices than CPUs get, so that variant runs in CI too.
add_test(NAME algo_depthwise COMMAND test_algo_depthwise --count 80)
set_tests_properties(algo_depthwise PROPERTIES SKIP_RETURN_CODE 77 LABELS "unit;algo" TIMEOUT 120)
add_test(NAME algo_depthwise_narrow COMMAND test_algo_depthwise --count 30)
set_tests_properties(algo_depthwise_narrow PROPERTIES SKIP_RETURN_CODE 77 LABELS "unit;algo"
  TIMEOUT 120 ENVIRONMENT "CLCONV_PARAMS=dw_vec=1,dw_rows=3")
