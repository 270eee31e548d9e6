# deconv_d2s: named cases (strides 2-4, kernels 1-5, output_padding,
# output_shape, auto_pad, 3D, groups), a seeded random sweep (replay with
# --seed S --case I), refusals, trace, zero-tap description and a
# NaN-poisoned caller workspace.  The inner convolutions are AUTO's.
add_test(NAME algo_deconv_d2s COMMAND test_algo_deconv_d2s --count 60)
set_tests_properties(algo_deconv_d2s PROPERTIES SKIP_RETURN_CODE 77 LABELS "unit;algo" TIMEOUT 180)
