// Links the default face model into the binary as read-only data. The assembler finds
// face.simdbmodel through the target's header search path (model/, see Package.swift).
#if defined(__APPLE__)
    .section __TEXT,__const
    .globl _simdb_default_model_start
    .globl _simdb_default_model_end
    .p2align 4
_simdb_default_model_start:
    .incbin "face.simdbmodel"
_simdb_default_model_end:
    .byte 0
#else
    .section .rodata
    .global simdb_default_model_start
    .global simdb_default_model_end
    .balign 16
simdb_default_model_start:
    .incbin "face.simdbmodel"
simdb_default_model_end:
    .byte 0
    .section .note.GNU-stack,"",%progbits
#endif
