# igemm (implicit GEMM): named cases around the tile sizes, a seeded random
# sweep (replay with --seed S --case I), six forced parameter sets (GPU-shaped
# with A and B in local memory, A only, B only, B's generic load path,
# CPU-shaped, a tiny tile) on a subset of the named cases, refusals and
# trace.  The GPU parameter set runs again under gpu_params (class=gpu).
add_test(NAME algo_igemm COMMAND test_algo_igemm --count 60)
set_tests_properties(algo_igemm PROPERTIES SKIP_RETURN_CODE 77 LABELS "unit;algo" TIMEOUT 240)
