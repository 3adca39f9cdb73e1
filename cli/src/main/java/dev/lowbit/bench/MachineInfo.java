package dev.lowbit.bench;

import dev.lowbit.bindings.LowbitNative;
import dev.lowbit.core.Isa;
import dev.lowbit.core.Native;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a throughput figure depends on besides the code: cores, load on a shared machine, ISA,
 * and the OpenMP wait policy of the kernel pool. On an oversubscribed machine (load average
 * above the core count) libgomp's default spinning at barriers costs the kernels an order of
 * magnitude; OMP_WAIT_POLICY=passive avoids it (measured here: Q4_0 tg 3 -> 30 t/s at load 7 on
 * 2 cores). The bench prints these so a figure can be judged.
 */
public final class MachineInfo {
    private MachineInfo() {}

    public static Map<String, String> capture() {
        Native.ensureLoaded();
        Map<String, String> m = new LinkedHashMap<>();
        m.put("cpus", Integer.toString(Runtime.getRuntime().availableProcessors()));
        m.put("load_average_1m", loadAverage());
        m.put("isa", Isa.current().label());  // the level the kernels ran at (--isa / LOWBIT_ISA may force one below isa_cpu)
        m.put("isa_cpu", Isa.best().label());
        m.put("OMP_WAIT_POLICY", env("OMP_WAIT_POLICY"));
        m.put("GOMP_SPINCOUNT", env("GOMP_SPINCOUNT"));
        m.put("java", System.getProperty("java.version"));
        m.put("lowbit", LowbitNative.lb_version());
        return m;
    }

    /** true when more runnable work than cores was waiting when the bench started */
    public static boolean oversubscribed(Map<String, String> info) {
        try {
            return Double.parseDouble(info.get("load_average_1m")) > Integer.parseInt(info.get("cpus"));
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static String env(String k) {
        String v = System.getenv(k);
        return v == null ? "(unset)" : v;
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+")[0];
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }
}
