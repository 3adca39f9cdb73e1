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
 */
public record SandboxLimits(Duration wallTimeout, int cpuSeconds, long memoryBytes, int maxProcesses,
                           long maxOutputBytes, long maxFileBytes) {
    public SandboxLimits {
        if (wallTimeout.isNegative() || wallTimeout.isZero()) throw new IllegalArgumentException("wallTimeout must be positive");
        if (cpuSeconds < 1 || memoryBytes < (64L << 20) || maxProcesses < 1 || maxOutputBytes < 1 || maxFileBytes < 1) {
            throw new IllegalArgumentException("sandbox limits too small: " + cpuSeconds + "s cpu, " + memoryBytes
                    + " B memory, " + maxProcesses + " procs, " + maxOutputBytes + " B out, " + maxFileBytes + " B file");
        }
    }

    /** the study's 6 s per test; 2 GiB address space; 32 processes/threads; 16 MiB output */
    public static SandboxLimits lcbDefaults() {
        return new SandboxLimits(Duration.ofSeconds(6), 7, 2L << 30, 32, 16L << 20, 64L << 20);
    }

    public SandboxLimits withWallTimeout(Duration d) {
        return new SandboxLimits(d, (int) Math.max(1, d.toSeconds() + 1), memoryBytes, maxProcesses, maxOutputBytes, maxFileBytes);
    }
}
