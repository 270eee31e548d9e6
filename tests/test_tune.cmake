# Autotuner, clconv_find and the user tuning database (tiny layers, a
# temporary database directory; never the shared default database).
add_test(NAME tune COMMAND test_tune)
set_tests_properties(tune PROPERTIES SKIP_RETURN_CODE 77 LABELS "unit" TIMEOUT 180)
