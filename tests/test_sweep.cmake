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
# direct with the blockings its defaults do not take: an output-channel
# block that divides nothing, several vectors along W for spatial and
# pointwise plans (the tuner's candidates, and other devices' defaults).
add_test(NAME sweep_direct_blocks COMMAND test_sweep --algo direct --count 150)
set_tests_properties(sweep_direct_blocks PROPERTIES SKIP_RETURN_CODE 77 LABELS sweep TIMEOUT 300
  ENVIRONMENT "CLCONV_PARAMS=direct_oc_block=5,direct_w_block=4,direct_w_vecs=2,direct_pw_w_vecs=4,direct_flat_rows=1")
