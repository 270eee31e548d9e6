# Winograd F(2x2,3x3) and F(4x4,3x3): named cases around the tile size, a
# seeded random sweep (replay with --seed S --case I), refusals and trace.
# The blocking (output channels and tiles per work-item, the vector widths
# of the kernels) comes from the device parameters; the second entry forces
# the widest blocking so that those kernel variants run on every device.
foreach(v winograd_f2x2 winograd_f4x4)
  add_test(NAME algo_${v} COMMAND test_algo_winograd --algo ${v} --count 60)
  set_tests_properties(algo_${v} PROPERTIES SKIP_RETURN_CODE 77 LABELS "unit;algo" TIMEOUT 120)
endforeach()
add_test(NAME algo_winograd_wide_blocks COMMAND test_algo_winograd --count 20)
set_tests_properties(algo_winograd_wide_blocks PROPERTIES SKIP_RETURN_CODE 77 LABELS "unit;algo"
  TIMEOUT 120 ENVIRONMENT "CLCONV_PARAMS=wino_k_block=16,wino_t_block=16")
