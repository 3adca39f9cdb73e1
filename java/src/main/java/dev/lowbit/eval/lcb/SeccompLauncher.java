package dev.lowbit.eval.lcb;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

/**
 * Finds native/sandbox/seccomp_exec.c's executable, lowbit-seccomp-exec, which installs the
 * sandbox's seccomp filter (no namespaces, mounts or ptrace) and then execs the interpreter.
 * The build puts it into the bindings jar; the first use per JVM copies it out to a private
 * temporary file. The property lowbit.sandbox.seccomp names another copy.
 */
final class SeccompLauncher {
    static final String RESOURCE = "/dev/lowbit/sandbox/lowbit-seccomp-exec";

    private static volatile Path found;

    private SeccompLauncher() {}

    /** the launcher's host path, checked to run here; throws when there is none that does */
    static synchronized Path path() {
        if (found != null) return found;
        String prop = System.getProperty("lowbit.sandbox.seccomp");
        Path p = prop != null && !prop.isBlank() ? Path.of(prop) : extract();
        check(p);
        found = p;
        return p;
    }

    private static Path extract() {
        try (InputStream in = SeccompLauncher.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new SandboxUnavailableException("the sandbox's seccomp launcher is not in this build (" + RESOURCE
                        + "; build native/ with CMake, or set -Dlowbit.sandbox.seccomp)");
            }
            Path tmp = Files.createTempFile("lowbit-seccomp-exec-", "", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            tmp.toFile().deleteOnExit();
            try (OutputStream out = Files.newOutputStream(tmp)) { // writes into the file, keeping its mode
                in.transferTo(out);
            }
            return tmp;
        } catch (IOException e) {
            throw new SandboxUnavailableException("cannot extract the sandbox's seccomp launcher: " + e.getMessage());
        }
    }

    /** runs `launcher true`: the filter installs on this kernel and the binary suits this machine */
    private static void check(Path p) {
        try {
            Process proc = new ProcessBuilder(p.toString(), "true").redirectErrorStream(true).start();
            String out = new String(proc.getInputStream().readAllBytes());
            if (!proc.waitFor(10, TimeUnit.SECONDS)) {
                proc.destroyForcibly();
                throw new SandboxUnavailableException("the sandbox's seccomp launcher hangs: " + p);
            }
            if (proc.exitValue() != 0) {
                throw new SandboxUnavailableException("the sandbox's seccomp launcher fails here (" + p + ", exit " + proc.exitValue() + "): " + out.strip());
            }
        } catch (IOException e) {
            throw new SandboxUnavailableException("the sandbox's seccomp launcher does not run here (" + p + "): " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SandboxUnavailableException("interrupted while checking the seccomp launcher");
        }
    }
}
