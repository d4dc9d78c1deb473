package org.timetuner4j.io;

import java.util.Set;

/** The safetensors storage dtypes read and converted to float32 (F32, F16 and BF16 are also written). */
enum SafetensorsDType {
    F64(8), F32(4), F16(2), BF16(2), I64(8), I32(4), I16(2), I8(1), U64(8), U32(4), U16(2), U8(1), BOOL(1);

    final int size;

    SafetensorsDType(int size) {
        this.size = size;
    }

    static SafetensorsDType parse(String code) {
        for (SafetensorsDType d : values()) if (d.name().equals(code)) return d;
        return null;
    }

    /** Dtype codes the format defines but this reader does not convert. */
    static final Set<String> UNSUPPORTED = Set.of(
            "C64", "F8_E4M3", "F8_E5M2", "F8_E8M0", "F8_E4M3FNUZ", "F8_E5M2FNUZ", "F6_E2M3", "F6_E3M2", "F4");

    static final String SUPPORTED_LIST = "F32, F16, BF16, F64, I64, I32, I16, I8, U64, U32, U16, U8, BOOL";
}
