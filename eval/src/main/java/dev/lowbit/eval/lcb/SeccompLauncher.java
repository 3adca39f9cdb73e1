package dev.lowbit.eval.lcb;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Finds native/sandbox/seccomp_exec.c's executable, lowbit-seccomp-exec, which installs the
 * sandbox's seccomp filter (no namespaces, mounts or ptrace) and then execs the interpreter.
 * The build puts it into the bindings jar; the first use per JVM copies it out to a private
 * temporary file (mode 0700: the sandbox's setup shell copies it as root). The property
 * lowbit.sandbox.seccomp names another copy.
 */
final class SeccompLauncher {
    static final String RESOURCE = "/dev/lowbit/sandbox/lowbit-seccomp-exec";

    private static volatile Path found;

    private SeccompLauncher() {}

    /**
     * The launcher's host path; throws when there is none. It is not run from there (the host's
     * temp dir may be noexec): the sandbox copies it into its own root, and the sandbox's
     * construction-time self-test shows whether it works on this machine.
     */
    static synchronized Path path() {
        if (found != null) return found;
        String prop = System.getProperty("lowbit.sandbox.seccomp");
        Path p = prop != null && !prop.isBlank() ? Path.of(prop) : extract();
        if (!Files.isRegularFile(p)) throw new SandboxUnavailableException("no seccomp launcher at " + p);
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
}
