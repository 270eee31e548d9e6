# dilated_s2b: named cases (dilations 2, 3, 6, per axis), a seeded random
# sweep (replay with --seed S --case I), refusals, trace and a NaN-poisoned
# caller workspace.  The inner convolutions are AUTO's (direct, Winograd,
# depthwise), so a cold cache builds those programs too.
add_test(NAME algo_dilated_s2b COMMAND test_algo_dilated_s2b --count 50)
set_tests_properties(algo_dilated_s2b PROPERTIES SKIP_RETURN_CODE 77 LABELS "unit;algo" TIMEOUT 180)
