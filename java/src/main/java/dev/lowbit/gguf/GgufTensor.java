package dev.lowbit.gguf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * One tensor of an open {@link GgufFile}: its name, ggml type, shape and the read-only
 * memory mapping of its bytes. Shapes are in ggml order: {@code dims()[0]} is the innermost
 * dimension (the columns of a row-major matrix), so a weight of {@code rows() x cols()}
 * holds {@code rows()} rows of {@code type().rowBytes(cols())} bytes each.
 */
public final class GgufTensor {
    private final GgufFile file;
    private final String name;
    private final GgmlType type;
    private final long[] dims;
    private final long offset;
    private final long nbytes;
    private volatile ByteBuffer mapping; // null once the file is closed (or over 2 GiB)

    GgufTensor(GgufFile file, String name, GgmlType type, long[] dims, long offset, long nbytes, ByteBuffer mapping) {
        this.file = file;
        this.name = name;
        this.type = type;
        this.dims = dims;
        this.offset = offset;
        this.nbytes = nbytes;
        this.mapping = mapping;
    }

    public String name() {
        return name;
    }

    public GgmlType type() {
        return type;
    }

    /** the shape in ggml order (dims[0] = innermost = columns); a copy */
    public long[] dims() {
        return dims.clone();
    }

    public int nDims() {
        return dims.length;
    }

    public long elements() {
        long n = 1;
        for (long d : dims) n *= d;
        return n;
    }

    /** elements / dims[0]: the number of rows of the flattened 2-D view */
    public long rows() {
        return elements() / dims[0];
    }

    /** dims[0] */
    public long cols() {
        return dims[0];
    }

    /** absolute offset of the data in the file */
    public long offset() {
        return offset;
    }

    public long nbytes() {
        return nbytes;
    }

    public GgufFile file() {
        return file;
    }

    /**
     * A read-only little-endian view of exactly {@link #nbytes()} bytes (a new view per call,
     * so positions are not shared). The view keeps its mapping alive on its own.
     *
     * @throws IllegalStateException if the file was closed
     */
    public ByteBuffer data() {
        return live().duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * The native address of the first data byte, for native kernels. Valid while the file is
     * open (the file holds the mapping); reading it after {@link GgufFile#close()} is a bug.
     *
     * @throws IllegalStateException if the file was closed
     */
    public long address() {
        return NativeAddress.of(live());
    }

    private ByteBuffer live() {
        if (nbytes > Integer.MAX_VALUE) {
            throw new IllegalStateException("tensor '" + name + "' in " + file.path() + " is " + nbytes
                    + " bytes, more than the 2 GiB one Java mapping can hold");
        }
        ByteBuffer m = mapping;
        if (m == null) throw new IllegalStateException("GGUF file " + file.path() + " is closed (tensor '" + name + "')");
        return m;
    }

    void release() {
        mapping = null;
    }

    @Override
    public String toString() {
        return name + " " + type + " " + Arrays.toString(dims) + " @" + offset + " (" + nbytes + " bytes)";
    }
}
