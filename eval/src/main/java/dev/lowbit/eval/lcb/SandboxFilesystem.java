package dev.lowbit.eval.lcb;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The filesystem a sandboxed program sees, built by a shell script that runs as root inside
 * the fresh mount namespace (real root, or root of the sandbox's user namespace) before the
 * privileges are dropped:
 * <ul>
 * <li>a small tmpfs becomes the new root; /usr, /bin, /sbin, /lib* (or their merged-/usr links)
 *     and the Python installation's own prefixes ({@link SandboxPython}) are bound into it
 *     read-only; /etc holds only ld.so's cache and config, the local time, and a two-line
 *     passwd/group; /dev only null, zero, full, random, urandom and the fd links; /proc is a
 *     fresh, read-only mount of the sandbox's PID namespace (root of a user namespace could
 *     otherwise write its namespaced sysctls);</li>
 * <li>the working directory /tmp/box is a tmpfs of its own, {@code size} and {@code nr_inodes}
 *     from {@link SandboxLimits} plus room for the run's input files, which are copied into
 *     it (the disk quota: writing past it fails with ENOSPC, and nothing the program writes
 *     reaches the host's disk); it is handed to the run's uid;</li>
 * <li>the seccomp launcher is copied to {@link #LAUNCHER};</li>
 * <li>{@code pivot_root} makes the tmpfs the root, the old root is detached (lazily
 *     unmounted), and the new root is remounted read-only. The project, /work, /root, /home,
 *     /var, /opt and every other host path are simply not there.</li>
 * </ul>
 * Then the script execs its remaining arguments (setpriv, the launcher, prlimit, python).
 */
final class SandboxFilesystem {
    /** the seccomp launcher's path inside the sandbox */
    static final String LAUNCHER = "/lowbit-sandbox/seccomp-exec";

    /** $1 run dir (holds files/ and the empty mount point root/), $2 uid or "keep", $3 box tmpfs options,
     *  $4 launcher on the host, $5 extra read-only directories (newline-separated); then the command */
    static final String SCRIPT = String.join("\n",
            "set -eu",
            "PATH=/usr/sbin:/sbin:$PATH", // pivot_root lives there
            "run=$1 owner=$2 box=$3 launcher=$4 extra=$5",
            "shift 5",
            "new=$run/root",
            "mount -t tmpfs -o size=2m,nr_inodes=1024,mode=755 lowbit-root \"$new\"",
            "cd \"$new\"",
            "mkdir -p etc dev proc tmp/box lowbit-sandbox .old",
            "for d in " + String.join(" ", SandboxPython.SYSTEM_DIRS.stream().map(d -> d.substring(1)).toList()) + "; do",
            "  if [ -L \"/$d\" ]; then ln -s \"$(readlink \"/$d\")\" \"$d\"",
            "  elif [ -d \"/$d\" ]; then mkdir \"$d\"; mount --bind -o ro \"/$d\" \"$d\"",
            "  fi",
            "done",
            "printf '%s\\n' \"$extra\" | while IFS= read -r p; do",
            "  if [ -n \"$p\" ]; then mkdir -p \"$new$p\"; mount --bind -o ro \"$p\" \"$new$p\"; fi",
            "done",
            "for f in ld.so.cache ld.so.conf localtime; do",
            "  if [ -f \"/etc/$f\" ]; then cp -L \"/etc/$f\" etc/; fi",
            "done",
            "id=0; if [ \"$owner\" != keep ]; then id=$owner; fi",
            "printf 'root:x:0:0::/:/bin/false\\nsandbox:x:%s:%s::/tmp/box:/bin/false\\n' \"$id\" \"$id\" > etc/passwd",
            "printf 'root:x:0:\\nsandbox:x:%s:\\n' \"$id\" > etc/group",
            "for n in null zero full random urandom; do touch \"dev/$n\"; mount --bind \"/dev/$n\" \"dev/$n\"; done",
            "ln -s /proc/self/fd dev/fd; ln -s fd/0 dev/stdin; ln -s fd/1 dev/stdout; ln -s fd/2 dev/stderr",
            "mount -t proc -o ro,nosuid,nodev,noexec proc proc",
            "mount -t tmpfs -o \"$box,mode=755\" lowbit-box tmp/box",
            "cp -R \"$run/files/.\" tmp/box/",
            "if [ \"$owner\" != keep ]; then chown -R \"$owner:$owner\" tmp/box; fi",
            "cp \"$launcher\" ." + LAUNCHER,
            "chmod 755 ." + LAUNCHER,
            "pivot_root . .old",
            "cd /",
            "umount -l /.old",
            "rmdir /.old",
            "mount -o remount,bind,ro /",
            "cd /tmp/box",
            "exec \"$@\"");

    /** tmpfs allocates whole pages */
    private static final long PAGE = 4096;

    private SandboxFilesystem() {}

    /**
     * The script's arguments after $0: `owner` is the run's uid, or null to keep root of a user
     * namespace. The work dir's tmpfs holds the input files on top of the quota, so that the
     * quota is what the program itself may write, and large test inputs always fit.
     */
    static List<String> arguments(Path runDir, Integer owner, SandboxLimits limits, Path launcher, SandboxPython python)
            throws IOException {
        long inputBytes = 0;
        int inputFiles = 0;
        try (Stream<Path> files = Files.list(runDir.resolve("files"))) {
            for (Path f : files.toList()) {
                inputBytes += (Files.size(f) + PAGE - 1) / PAGE * PAGE;
                inputFiles++;
            }
        }
        return List.of(runDir.toAbsolutePath().toString(),
                owner == null ? "keep" : owner.toString(),
                "size=" + (limits.workDirBytes() + inputBytes) + ",nr_inodes=" + (limits.workDirInodes() + inputFiles + 1),
                launcher.toAbsolutePath().toString(),
                String.join("\n", python.extraDirs()));
    }
}
