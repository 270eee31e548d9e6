# The GPU parameter set on PoCL: every algorithm's tests again with
# CLCONV_PARAMS=class=gpu, so the GPU tile sizes, vector widths and
# work-group shapes (driver-chosen or 16x4 and shrunk to the range) run in
# every CI run, where the suite is fast.  PoCL compiles a kernel again for
# each local size, so the counts are smaller than the CPU entries'.
set(_gpu_entries
  "sweep_direct:test_sweep --algo direct --count 150"
  "sweep_auto:test_sweep --algo auto --count 60"
  "algo_winograd_f2x2:test_algo_winograd --algo winograd_f2x2 --count 10"
  "algo_winograd_f4x4:test_algo_winograd --algo winograd_f4x4 --count 10"
  "algo_depthwise:test_algo_depthwise --count 20"
  "algo_dilated_s2b:test_algo_dilated_s2b --count 15"
  "algo_deconv_d2s:test_algo_deconv_d2s --count 15"
  "algo_gemm:test_algo_gemm --count 10"
  "algo_igemm:test_algo_igemm --count 15")
foreach(entry IN LISTS _gpu_entries)
  string(FIND "${entry}" ":" colon)
  string(SUBSTRING "${entry}" 0 ${colon} tname)
  math(EXPR colon "${colon} + 1")
  string(SUBSTRING "${entry}" ${colon} -1 tcmd)
  separate_arguments(tcmd UNIX_COMMAND "${tcmd}")
  add_test(NAME gpu_params_${tname} COMMAND ${tcmd})
  set_tests_properties(gpu_params_${tname} PROPERTIES SKIP_RETURN_CODE 77
    LABELS "gpu_params" TIMEOUT 300 ENVIRONMENT "CLCONV_PARAMS=class=gpu")
endforeach()
