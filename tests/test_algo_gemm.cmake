# gemm (im2col / col2im + CLBlast): named cases, a seeded random sweep
# (replay with --seed S --case I), CLBlast's indirect GEMM, out-of-order
# queue.  A cold PoCL cache adds ~15-30 s of CLBlast compiles.
add_test(NAME algo_gemm COMMAND test_algo_gemm --count 40)
set_tests_properties(algo_gemm PROPERTIES SKIP_RETURN_CODE 77 LABELS "unit;algo" TIMEOUT 180)
