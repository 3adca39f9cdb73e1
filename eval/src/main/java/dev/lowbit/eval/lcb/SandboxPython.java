package dev.lowbit.eval.lcb;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The Python installation the sandbox runs, and the host directories it needs beside the
 * system's: the sandbox's root shows /usr and /lib* only, so an interpreter installed
 * elsewhere (pyenv under /root/.pyenv, /opt, a virtual environment) is bound in by its
 * prefixes, and nothing else of their parent directories.
 *
 * @param executable the interpreter's path, the same inside the sandbox as on the host
 * @param extraDirs  directories outside the system ones that hold it (absolute, real paths)
 */
record SandboxPython(String executable, List<String> extraDirs) {
    /** the directories the sandbox's root shows in any case */
    static final List<String> SYSTEM_DIRS = List.of("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32");

    private static final Map<String, SandboxPython> RESOLVED = new ConcurrentHashMap<>();

    /**
     * The property lowbit.sandbox.python, else a system python3 (/usr/bin, /usr/local/bin, /bin),
     * else the python3 on PATH, with its prefixes asked from the interpreter itself.
     */
    static SandboxPython find() {
        String prop = System.getProperty("lowbit.sandbox.python");
        String candidate = null;
        if (prop != null && !prop.isBlank()) {
            candidate = prop;
        } else {
            for (String c : new String[] {"/usr/bin/python3", "/usr/local/bin/python3", "/bin/python3"}) {
                if (Files.isExecutable(Path.of(c))) {
                    candidate = c;
                    break;
                }
            }
            if (candidate == null) candidate = "python3";
        }
        return RESOLVED.computeIfAbsent(candidate, SandboxPython::resolve);
    }

    private static final String QUERY = String.join("\n",
            "import os, sys",
            "print(sys.executable)",
            "for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,",
            "          os.path.dirname(sys.executable), os.path.dirname(os.path.realpath(sys.executable))):",
            "    print(os.path.realpath(p))",
            "");

    static SandboxPython resolve(String python) {
        List<String> lines;
        try {
            Process p = new ProcessBuilder(python, "-I", "-c", QUERY).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(20, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new SandboxUnavailableException("python3 for the sandbox (" + python + ") does not run: " + out.strip());
            }
            lines = out.lines().toList();
        } catch (IOException e) {
            throw new SandboxUnavailableException("no python3 for the sandbox (" + python + "): " + e.getMessage()
                    + " (set -Dlowbit.sandbox.python)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SandboxUnavailableException("interrupted while asking " + python + " for its prefix");
        }
        if (lines.size() < 2 || !lines.get(0).startsWith("/")) {
            throw new SandboxUnavailableException("python3 for the sandbox (" + python + ") reports no executable path");
        }
        return new SandboxPython(lines.get(0), extraDirs(lines.subList(1, lines.size())));
    }

    /** the given directories minus the system ones, minus those inside another of them */
    static List<String> extraDirs(List<String> dirs) {
        TreeSet<String> kept = new TreeSet<>();
        for (String d : dirs) {
            if (!d.startsWith("/") || d.contains("\n")) throw new SandboxUnavailableException("odd python prefix: " + d);
            if (d.equals("/")) throw new SandboxUnavailableException("python's prefix is / : the sandbox would show the whole host");
            if (SYSTEM_DIRS.stream().noneMatch(s -> within(d, s))) kept.add(d);
        }
        List<String> out = new ArrayList<>();
        for (String d : kept) { // sorted: a parent comes before what it contains
            if (out.stream().noneMatch(o -> within(d, o))) out.add(d);
        }
        return List.copyOf(out);
    }

    private static boolean within(String path, String dir) {
        return path.equals(dir) || path.startsWith(dir + "/");
    }
}
