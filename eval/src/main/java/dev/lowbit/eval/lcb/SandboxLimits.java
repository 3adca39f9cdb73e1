package dev.lowbit.eval.lcb;

import java.time.Duration;

/**
 * Resource limits for one sandboxed python3 process.
 *
 * @param wallTimeout    wall-clock limit; the process tree is killed when it passes
 * @param cpuSeconds     RLIMIT_CPU (soft; hard is one more second)
 * @param memoryBytes    RLIMIT_AS: address space, so a huge allocation fails with MemoryError
 * @param maxProcesses   RLIMIT_NPROC for the sandbox's own uid (counts threads too)
 * @param maxOutputBytes stdout cap; more output kills the process and fails the test
 * @param maxFileBytes   RLIMIT_FSIZE: largest file the code may write in its working dir
 * @param workDirBytes   what the code may write into its working directory, a tmpfs (which also
 *                       holds the input files, on top of this): the disk quota, past which
 *                       writes fail with ENOSPC; it lives in memory
 * @param workDirInodes  files and directories the code may create there (the tmpfs's nr_inodes,
 *                       less the input files)
 */
public record SandboxLimits(Duration wallTimeout, int cpuSeconds, long memoryBytes, int maxProcesses,
                           long maxOutputBytes, long maxFileBytes, long workDirBytes, int workDirInodes) {
    public static final long DEFAULT_WORK_DIR_BYTES = 64L << 20;
    public static final int DEFAULT_WORK_DIR_INODES = 16_384;

    public SandboxLimits {
        if (wallTimeout.isNegative() || wallTimeout.isZero()) throw new IllegalArgumentException("wallTimeout must be positive");
        if (cpuSeconds < 1 || memoryBytes < (64L << 20) || maxProcesses < 1 || maxOutputBytes < 1 || maxFileBytes < 1
                || workDirBytes < (1L << 20) || workDirInodes < 64) {
            throw new IllegalArgumentException("sandbox limits too small: " + cpuSeconds + "s cpu, " + memoryBytes
                    + " B memory, " + maxProcesses + " procs, " + maxOutputBytes + " B out, " + maxFileBytes + " B file, "
                    + workDirBytes + " B / " + workDirInodes + " inodes work dir (at least 1 MiB / 64)");
        }
    }

    /** the default working-directory quota */
    public SandboxLimits(Duration wallTimeout, int cpuSeconds, long memoryBytes, int maxProcesses, long maxOutputBytes, long maxFileBytes) {
        this(wallTimeout, cpuSeconds, memoryBytes, maxProcesses, maxOutputBytes, maxFileBytes, DEFAULT_WORK_DIR_BYTES, DEFAULT_WORK_DIR_INODES);
    }

    /** the study's 6 s per test; 2 GiB address space; 32 processes/threads; 16 MiB output; 64 MiB working dir */
    public static SandboxLimits lcbDefaults() {
        return new SandboxLimits(Duration.ofSeconds(6), 7, 2L << 30, 32, 16L << 20, 64L << 20);
    }

    public SandboxLimits withWallTimeout(Duration d) {
        return new SandboxLimits(d, (int) Math.max(1, d.toSeconds() + 1), memoryBytes, maxProcesses, maxOutputBytes, maxFileBytes,
                workDirBytes, workDirInodes);
    }

    public SandboxLimits withWorkDir(long bytes, int inodes) {
        return new SandboxLimits(wallTimeout, cpuSeconds, memoryBytes, maxProcesses, maxOutputBytes, maxFileBytes, bytes, inodes);
    }
}
