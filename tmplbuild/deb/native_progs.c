/* tmplbuild/deb/native_progs.c: the static programs' bytes (native_progs.h). */
#include "tmplbuild/deb/native_progs.h"

/* VZ_NATIVE_CA is the static program's absolute path (the Makefile passes it
 * for this object only, and makes the program first). */
#ifdef VZ_NATIVE_CA
__asm__(".pushsection .rodata\n"
        ".balign 16\n"
        ".globl vz_native_ca_update\n"
        "vz_native_ca_update:\n"
        ".incbin \"" VZ_NATIVE_CA "\"\n"
        ".globl vz_native_ca_update_end\n"
        "vz_native_ca_update_end:\n"
        ".popsection\n");
#else
__asm__(".pushsection .rodata\n"
        ".globl vz_native_ca_update\n"
        "vz_native_ca_update:\n"
        ".globl vz_native_ca_update_end\n"
        "vz_native_ca_update_end:\n"
        ".popsection\n");
#endif
