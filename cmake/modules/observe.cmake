# OTLP protobuf: C generated at build time from the project's own .proto
# files (proto/opentelemetry/...) with protoc-c, compiled into libcortex.
# The generated headers stay private to the library (and to the unit test
# that decodes what the encoder writes): the public API is cortex/trace.h.
find_program(CX_PROTOC_C NAMES protoc-c REQUIRED)
set(CX_PROTO_DIR ${PROJECT_SOURCE_DIR}/proto)
set(CX_PROTO_OUT ${CMAKE_BINARY_DIR}/proto-gen)
set(CX_OTLP_PROTOS
    opentelemetry/proto/common/v1/common
    opentelemetry/proto/resource/v1/resource
    opentelemetry/proto/trace/v1/trace
    opentelemetry/proto/collector/trace/v1/trace_service)
set(CX_OTLP_PROTO_FILES)
set(CX_OTLP_GEN)
foreach(p ${CX_OTLP_PROTOS})
  list(APPEND CX_OTLP_PROTO_FILES ${CX_PROTO_DIR}/${p}.proto)
  list(APPEND CX_OTLP_GEN ${CX_PROTO_OUT}/${p}.pb-c.c ${CX_PROTO_OUT}/${p}.pb-c.h)
endforeach()
file(MAKE_DIRECTORY ${CX_PROTO_OUT})
# One command for all four files: they import each other.
add_custom_command(OUTPUT ${CX_OTLP_GEN}
  COMMAND ${CX_PROTOC_C} --c_out=${CX_PROTO_OUT} --proto_path=${CX_PROTO_DIR}
          ${CX_OTLP_PROTO_FILES}
  DEPENDS ${CX_OTLP_PROTO_FILES}
  WORKING_DIRECTORY ${CX_PROTO_DIR}
  VERBATIM COMMENT "protoc-c: OTLP trace messages")
target_sources(cortex_obj PRIVATE ${CX_OTLP_GEN})
# The generated opentelemetry__proto__* symbols are internal: keep them out of
# libcortex.so's dynamic symbols, where they could clash with an application's
# own copy of the OTLP messages. (Static linking still sees them.)
foreach(f ${CX_OTLP_GEN})
  if(f MATCHES "\\.c$")
    set_source_files_properties(${f} PROPERTIES COMPILE_OPTIONS "-fvisibility=hidden")
  endif()
endforeach()
target_include_directories(cortex_obj PRIVATE ${CX_PROTO_OUT})

# Unit tests that decode the encoder's output with protobuf-c's unpack see
# the generated headers too; they are built after libcortex (they link it),
# so the headers exist by then.
foreach(t test_trace_export)
  if(TARGET ${t})
    target_include_directories(${t} PRIVATE ${CX_PROTO_OUT})
    add_dependencies(${t} cortex_obj)
  endif()
endforeach()
