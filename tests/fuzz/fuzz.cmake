# libFuzzer targets (tests/fuzz/fuzz_NAME.c, seeds in tests/fuzz/corpus/NAME),
# included from tests/CMakeLists.txt when CLCONV_FUZZ is ON (clang only).
# Each target compiles the sources it fuzzes itself, with the fuzzer's
# coverage and sanitizers, whatever CLCONV_SANITIZE gives the library; the
# library (clconv_static) supplies the rest.  tests/fuzz/run.sh builds and
# runs them; they are not CTest tests (a fuzzer runs until stopped).
set(_fuzz_dir ${CMAKE_CURRENT_LIST_DIR})
set(CLCONV_FUZZ_FLAGS -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
  -fno-omit-frame-pointer -g)

function(clconv_fuzzer name)
  add_executable(${name} ${_fuzz_dir}/${name}.c ${ARGN})
  target_include_directories(${name} PRIVATE ${_fuzz_dir} ${PROJECT_SOURCE_DIR}/bench
    ${PROJECT_SOURCE_DIR}/host ${PROJECT_SOURCE_DIR}/tests/support ${PROJECT_BINARY_DIR})
  target_link_libraries(${name} PRIVATE clconv_static m)
  target_compile_options(${name} PRIVATE ${CLCONV_FUZZ_FLAGS} ${warn})
  target_link_options(${name} PRIVATE ${CLCONV_FUZZ_FLAGS})
  list(APPEND CLCONV_FUZZERS ${name})
  set(CLCONV_FUZZERS ${CLCONV_FUZZERS} PARENT_SCOPE)
endfunction()

set(CLCONV_FUZZERS "")
# .npy reader (npy.c writes through outfile.c)
clconv_fuzzer(fuzz_npy ${PROJECT_SOURCE_DIR}/bench/npy.c ${PROJECT_SOURCE_DIR}/bench/outfile.c)
# benchdnn descriptors and batch text
clconv_fuzzer(fuzz_benchdnn ${PROJECT_SOURCE_DIR}/bench/benchdnn.c
  ${PROJECT_SOURCE_DIR}/bench/suite.c ${PROJECT_SOURCE_DIR}/bench/util.c)
# CLCONV_PARAMS / params (fuzz_params.c includes host/device_params.c)
clconv_fuzzer(fuzz_params ${PROJECT_SOURCE_DIR}/host/error.c)
# descriptor validation and the CPU reference
clconv_fuzzer(fuzz_desc ${PROJECT_SOURCE_DIR}/host/desc.c ${PROJECT_SOURCE_DIR}/host/reference.c
  ${PROJECT_SOURCE_DIR}/host/error.c)
# the tests' ONNX protobuf reader
clconv_fuzzer(fuzz_onnx ${PROJECT_SOURCE_DIR}/tests/support/onnx_pb.c)

add_custom_target(fuzzers DEPENDS ${CLCONV_FUZZERS})
