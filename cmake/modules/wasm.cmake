# WebAssembly guests: C compiled to wasm32 with clang, for the wasm module's
# examples, plugin, tests and benchmarks. Outputs land in ${CMAKE_BINARY_DIR}/wasm/.
# Skipped (with a message) when clang or the wasi-libc sysroot is missing.
find_program(CX_WASM_CLANG NAMES clang clang-14)
set(CX_WASI_SYSROOT "/usr" CACHE PATH "sysroot holding include/wasm32-wasi and lib/wasm32-wasi")
if(CX_WASM_CLANG AND EXISTS "${CX_WASI_SYSROOT}/include/wasm32-wasi/stdio.h")
  set(CX_WASM_OUT ${CMAKE_BINARY_DIR}/wasm)
  file(MAKE_DIRECTORY ${CX_WASM_OUT})
  set(CX_WASM_GUESTS)
  # cx_wasm_guest(<output> <source> <flags...>)
  function(cx_wasm_guest out src)
    add_custom_command(OUTPUT ${CX_WASM_OUT}/${out}
      COMMAND ${CX_WASM_CLANG} --target=wasm32-wasi --sysroot=${CX_WASI_SYSROOT} -O2
              ${ARGN} ${src} -o ${CX_WASM_OUT}/${out}
      DEPENDS ${src} VERBATIM COMMENT "wasm32: ${out}")
    set(CX_WASM_GUESTS ${CX_WASM_GUESTS} ${CX_WASM_OUT}/${out} PARENT_SCOPE)
  endfunction()
  cx_wasm_guest(kernels.wasm ${PROJECT_SOURCE_DIR}/bench/wasm/kernels.c -mexec-model=reactor)
  cx_wasm_guest(kernels_simd.wasm ${PROJECT_SOURCE_DIR}/bench/wasm/kernels.c -mexec-model=reactor
                -msimd128)
  cx_wasm_guest(hello.wasm ${PROJECT_SOURCE_DIR}/examples/wasm_hello/hello.c)
  cx_wasm_guest(plugin.wasm ${PROJECT_SOURCE_DIR}/examples/wasm_plugin/plugin.c
                -mexec-model=reactor)
  # Handwritten test plugins: tests/wasm/<name>.wat -> wasm/test_<name>.wasm (wabt).
  find_program(CX_WAT2WASM wat2wasm)
  if(CX_WAT2WASM)
    file(GLOB CX_TEST_WATS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tests/wasm/*.wat)
    foreach(wat ${CX_TEST_WATS})
      get_filename_component(name ${wat} NAME_WE)
      add_custom_command(OUTPUT ${CX_WASM_OUT}/test_${name}.wasm
        COMMAND ${CX_WAT2WASM} ${wat} -o ${CX_WASM_OUT}/test_${name}.wasm
        DEPENDS ${wat} VERBATIM COMMENT "wat2wasm: test_${name}.wasm")
      list(APPEND CX_WASM_GUESTS ${CX_WASM_OUT}/test_${name}.wasm)
    endforeach()
  else()
    message(STATUS "wasm: wat2wasm not found; handwritten test plugins not built")
  endif()
  add_custom_target(wasm_guests ALL DEPENDS ${CX_WASM_GUESTS})
  # Tests and examples that load guests find them through CX_WASM_OUT.
  foreach(t test_wasm_plugin example_wasm_mount)
    if(TARGET ${t})
      target_compile_definitions(${t} PRIVATE CX_WASM_OUT="${CX_WASM_OUT}")
      add_dependencies(${t} wasm_guests)
    endif()
  endforeach()

  # The benchmark driver: the same kernels natively, and through the interpreter.
  add_executable(bench_wasm ${PROJECT_SOURCE_DIR}/bench/wasm/bench.c)
  target_include_directories(bench_wasm PRIVATE ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(bench_wasm PRIVATE cortex_static)
  target_compile_definitions(bench_wasm PRIVATE CX_WASM_OUT="${CX_WASM_OUT}")
  add_dependencies(bench_wasm wasm_guests)
else()
  message(STATUS "wasm: clang or wasi-libc not found; wasm guests not built")
endif()
