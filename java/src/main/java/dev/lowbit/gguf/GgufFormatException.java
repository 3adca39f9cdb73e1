package dev.lowbit.gguf;

import java.io.IOException;

/**
 * A GGUF file whose content is malformed or unsupported. The message names the problem and
 * where it was found (file offset, metadata key or tensor name), so a user can tell a
 * truncated download from a file written by a buggy tool.
 */
public final class GgufFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    public GgufFormatException(String msg) {
        super(msg);
    }

    public GgufFormatException(String msg, Throwable cause) {
        super(msg, cause);
    }
}
