package dev.lowbit.util;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive lock on an output directory ({@code DIR/.lock}, an OS file lock), held while a
 * run writes there: a second run into the same directory, in this process or another, is
 * refused instead of interleaving records and summaries. The OS releases it if the process
 * dies; the file itself stays (deleting it would let two runs lock different inodes).
 */
public final class OutputLock implements AutoCloseable {
    public static final String FILE = ".lock";

    private final FileChannel channel;
    private final FileLock lock;

    private OutputLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** creates `dir` if needed and locks it; `option` names the flag in the refusal (e.g. "--out") */
    public static OutputLock acquire(Path dir, String option) {
        FileChannel ch = null;
        try {
            Files.createDirectories(dir);
            ch = FileChannel.open(dir.resolve(FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock l;
            try {
                l = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                l = null; // held by this JVM already (another runner in the same process)
            }
            if (l == null) {
                ch.close();
                throw new IllegalStateException(option + " " + dir + " is in use by another lowbit run (it holds "
                        + dir.resolve(FILE) + "); wait for it to finish or choose another " + option);
            }
            return new OutputLock(ch, l);
        } catch (IOException e) {
            try {
                if (ch != null) ch.close();
            } catch (IOException ignored) {
                // the open failure is what matters
            }
            throw new UncheckedIOException("cannot lock " + option + " " + dir + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
