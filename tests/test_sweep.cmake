# Randomized sweeps (tests/test_sweep.c): the universal direct path over
# >= 500 generated descriptors, and AUTO over 200.  Replay a failing case
# with `test_sweep --algo NAME --seed S --case I` (printed on failure).
set(sweep_cases direct:direct:500 auto:auto:200)
foreach(entry IN LISTS sweep_cases)
  string(REPLACE ":" ";" f ${entry})
  list(GET f 0 tname)
  list(GET f 1 talgo)
  list(GET f 2 tcount)
  add_test(NAME sweep_${tname} COMMAND test_sweep --algo ${talgo} --count ${tcount})
  set_tests_properties(sweep_${tname} PROPERTIES SKIP_RETURN_CODE 77 LABELS sweep TIMEOUT 300)
endforeach()
