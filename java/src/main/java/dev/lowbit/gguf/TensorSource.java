package dev.lowbit.gguf;

import java.io.IOException;
import java.nio.channels.WritableByteChannel;

/**
 * Produces a tensor's bytes while {@link GgufWriter#write} runs, so big tensors need not be
 * held in memory. It must write exactly the byte count the tensor's type and shape imply.
 */
@FunctionalInterface
public interface TensorSource {
    void writeTo(WritableByteChannel ch) throws IOException;
}
