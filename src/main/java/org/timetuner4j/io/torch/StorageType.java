package org.timetuner4j.io.torch;

import org.timetuner4j.io.HalfFloats;

import java.nio.ByteBuffer;

/**
 * The typed storage classes a {@code torch.save} pickle names ({@code torch.FloatStorage}, ...)
 * that this reader converts to float32, with their element sizes and safetensors dtype codes.
 * Complex and quantized storages are not in this table and are refused.
 */
public enum StorageType {
    FLOAT("FloatStorage", 4, "F32"),
    HALF("HalfStorage", 2, "F16"),
    BFLOAT16("BFloat16Storage", 2, "BF16"),
    DOUBLE("DoubleStorage", 8, "F64"),
    LONG("LongStorage", 8, "I64"),
    INT("IntStorage", 4, "I32"),
    SHORT("ShortStorage", 2, "I16"),
    CHAR("CharStorage", 1, "I8"),
    BYTE("ByteStorage", 1, "U8"),
    BOOL("BoolStorage", 1, "BOOL");

    /** The class name inside module {@code torch}, e.g. {@code FloatStorage}. */
    public final String pickleName;
    /** Bytes per element. */
    public final int elementSize;
    /** The safetensors dtype code of the elements, e.g. {@code F16}. */
    public final String dtype;

    StorageType(String pickleName, int elementSize, String dtype) {
        this.pickleName = pickleName;
        this.elementSize = elementSize;
        this.dtype = dtype;
    }

    /** True for the floating-point types. */
    public boolean isFloatingPoint() {
        return this == FLOAT || this == HALF || this == BFLOAT16 || this == DOUBLE;
    }

    /** The type called {@code torch.<name>}, or null. */
    static StorageType byPickleName(String name) {
        for (StorageType t : values()) if (t.pickleName.equals(name)) return t;
        return null;
    }

    /** Element {@code index} of {@code b} (absolute index, in elements), as float32. */
    float get(ByteBuffer b, int index) {
        int at = index * elementSize;
        return switch (this) {
            case FLOAT -> b.getFloat(at);
            case HALF -> HalfFloats.f16ToFloat(b.getShort(at));
            case BFLOAT16 -> HalfFloats.bf16ToFloat(b.getShort(at));
            case DOUBLE -> (float) b.getDouble(at);
            case LONG -> (float) b.getLong(at);
            case INT -> (float) b.getInt(at);
            case SHORT -> b.getShort(at);
            case CHAR -> b.get(at);
            case BYTE -> b.get(at) & 0xFF;
            case BOOL -> b.get(at) != 0 ? 1f : 0f;
        };
    }

    @Override
    public String toString() {
        return "torch." + pickleName;
    }
}
