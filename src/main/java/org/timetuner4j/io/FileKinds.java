package org.timetuner4j.io;

import java.nio.charset.StandardCharsets;

/** Names a file that is not what a reader expected, from its first bytes, so the error can say what it is. */
public final class FileKinds {
    private FileKinds() {}

    /** What the file starting with {@code head} (at least its first 8 bytes, zero-padded if shorter) is; null if unknown. */
    public static String recognise(byte[] head) {
        String ascii = new String(head, 0, Math.min(head.length, 8), StandardCharsets.ISO_8859_1);
        if (ascii.startsWith("\u0089PNG")) return "a PNG image";
        if (ascii.startsWith("\u00ff\u00d8")) return "a JPEG image";
        if (ascii.startsWith("PK\u0003\u0004")) return "a zip archive (a torch.save checkpoint? `timetuner convert` reads those)";
        if (head.length >= 2 && head[0] == (byte) 0x80 && head[1] >= 2 && head[1] <= 5)
            return "a pickle (a legacy torch.save checkpoint? `timetuner convert` reads those)";
        if (ascii.startsWith("{") || ascii.startsWith("[")) return "a JSON text";
        return null;
    }
}
