package dev.lowbit.util;

import java.lang.management.ManagementFactory;

/** The machine's physical memory, for refusing memory budgets that could never be met. */
public final class PhysicalMemory {
    private PhysicalMemory() {}

    /** total physical memory in bytes (Long.MAX_VALUE when the platform does not say) */
    public static long bytes() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            long b = os.getTotalMemorySize();
            if (b > 0) return b;
        }
        return Long.MAX_VALUE;
    }

    public static long mib() {
        long b = bytes();
        return b == Long.MAX_VALUE ? Long.MAX_VALUE >> 20 : b >> 20;
    }
}
