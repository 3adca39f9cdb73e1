package dev.lowbit.gguf;

import dev.lowbit.util.Printable;
import java.io.IOException;

/**
 * A GGUF file whose content is malformed or unsupported. The message names the problem and
 * where it was found (file offset, metadata key or tensor name), so a user can tell a
 * truncated download from a file written by a buggy tool. Names from the file are escaped and
 * cut where the message is built; the constructors escape the whole message again (a safety
 * net for any message that quotes file data raw), so it is always one printable line.
 */
public final class GgufFormatException extends IOException {
    private static final long serialVersionUID = 1L;
    private static final int MAX_MESSAGE = 2000;

    public GgufFormatException(String msg) {
        super(Printable.of(msg, MAX_MESSAGE));
    }

    public GgufFormatException(String msg, Throwable cause) {
        super(Printable.of(msg, MAX_MESSAGE), cause);
    }
}
