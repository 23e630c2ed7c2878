# Helpers for hotpath's own binaries (tests, benchmarks, examples). Consumers never see these
# flags: they are set per target, not on the hotpath INTERFACE target.
include_guard(GLOBAL)

set(HOTPATH_WARNING_FLAGS -Wall -Wextra -Wpedantic -Werror)

# hotpath_internal_target(<target>): warnings as errors and a link to hotpath::hotpath.
function(hotpath_internal_target target)
  target_compile_options(${target} PRIVATE ${HOTPATH_WARNING_FLAGS})
  target_link_libraries(${target} PRIVATE hotpath::hotpath)
endfunction()
