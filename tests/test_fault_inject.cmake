# test_fault_inject links the fault-injection build of the library
# (clconv_fi, top-level CMakeLists.txt) instead of clconv_static, with its
# own copy of the shared test helpers.
add_library(clconv_test_support_fi STATIC EXCLUDE_FROM_ALL ${test_support})
target_include_directories(clconv_test_support_fi PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/support
  ${PROJECT_SOURCE_DIR}/host ${PROJECT_BINARY_DIR})
target_link_libraries(clconv_test_support_fi PUBLIC clconv_fi m)
target_compile_options(clconv_test_support_fi PRIVATE ${warn})
set_property(TARGET test_fault_inject PROPERTY LINK_LIBRARIES clconv_test_support_fi)
# Every injection point (about 40 s on PoCL); under the sanitizers (about 10
# times slower) every third one, n = 1, 4, 7, ..., and every seventh in the
# gemm cases (CLBlast rebuilds its kernels for every context): odd strides,
# so the two error codes of each call still alternate.
if(CLCONV_SANITIZE)
  add_test(NAME test_fault_inject COMMAND test_fault_inject --stride 3 --clblast-stride 7)
else()
  add_test(NAME test_fault_inject COMMAND test_fault_inject)
endif()
set_tests_properties(test_fault_inject PROPERTIES SKIP_RETURN_CODE 77 LABELS "unit;fault" TIMEOUT 600)
