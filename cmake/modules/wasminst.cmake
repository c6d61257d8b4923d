# The instantiation benchmark (bench/wasm/instantiate.c, run by
# bench/wasm/instantiate.sh): µs per instance with the engine's default
# limits and the mount's, on 1 and 2 threads. Uses the example plugin built
# by cmake/modules/wasm.cmake when that is available (else pass a path).
add_executable(bench_wasm_instantiate ${PROJECT_SOURCE_DIR}/bench/wasm/instantiate.c)
target_link_libraries(bench_wasm_instantiate PRIVATE cortex_static Threads::Threads)
if(DEFINED CX_WASM_OUT)
  target_compile_definitions(bench_wasm_instantiate PRIVATE CX_WASM_OUT="${CX_WASM_OUT}")
endif()
if(TARGET wasm_guests)
  add_dependencies(bench_wasm_instantiate wasm_guests)
endif()
