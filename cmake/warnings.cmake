# Warnings and sanitizers as one INTERFACE target every ofconsole target links (ofc_warnings).
add_library(ofc_warnings INTERFACE)
target_compile_options(ofc_warnings INTERFACE
  -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wstrict-prototypes
  -Wmissing-prototypes -Wformat=2 -Wvla -Wno-unused-parameter)

if(OFC_SANITIZE)
  # ASan + UBSan for the whole build; UBSan aborts so a test fails on the first report.
  target_compile_options(ofc_warnings INTERFACE
    -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  target_link_options(ofc_warnings INTERFACE -fsanitize=address,undefined)
endif()
