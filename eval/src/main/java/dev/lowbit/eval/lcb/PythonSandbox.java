package dev.lowbit.eval.lcb;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Runs untrusted Python (model-generated code) in a throwaway, isolated process.
 *
 * <p>Mechanism (Linux, util-linux tools), when running as root:
 * <ol>
 * <li>{@code unshare --net --pid --mount --ipc --uts --fork --mount-proc}: a new network
 *     namespace with no interfaces up (every connection fails with "Network is unreachable",
 *     loopback included), a new PID namespace whose init is the python process (when it
 *     exits or is killed, the kernel kills every process left in it), a private mount
 *     namespace;</li>
 * <li>inside, a shell (still root, only in those namespaces) masks every world-writable
 *     directory (/tmp, /var/tmp, /run/lock, /dev/shm) with a read-only tmpfs, binds the
 *     working directory at /tmp/box (the only writable place) and hands it to a uid of its
 *     own;</li>
 * <li>{@code setpriv} switches to that unprivileged uid/gid (one uid per concurrent run,
 *     from a per-JVM pool, so process limits do not interfere), drops every capability,
 *     sets no-new-privs and a parent-death SIGKILL;</li>
 * <li>{@code prlimit} sets RLIMIT_NPROC (fork bombs stop at the limit; it applies because the
 *     uid is not root), RLIMIT_AS (memory), RLIMIT_CPU, RLIMIT_FSIZE, RLIMIT_NOFILE and no
 *     core dumps;</li>
 * <li>Java enforces the wall-clock timeout (killing the whole process tree) and the stdout
 *     cap, and deletes the working directory afterwards by directory descriptor, never
 *     following a link ({@link TreeDeleter}); a run whose directory cannot be deleted reports
 *     it in {@link Run#sandboxError()}, and its uid slot always returns to the pool.</li>
 * </ol>
 * Without root, the same runs in a user namespace ({@code unshare --user --map-root-user}) with
 * the same mounts and limits, capabilities dropped through an empty bounding set, but without
 * the uid switch (RLIMIT_NPROC then counts the user's own processes too). Both modes were
 * checked by hand on Linux 6.18 / util-linux 2.38; the tests exercise the mode the machine has. With neither, construction fails with {@link SandboxUnavailableException}.
 */
public final class PythonSandbox {
    public enum Mode { ROOT_NAMESPACES, USER_NAMESPACES }

    /**
     * what one run did; `sandboxError` is non-null when the sandbox itself failed around an
     * otherwise finished run (its working directory could not be deleted): the run then counts
     * as failed, and the error is reported instead of thrown so that the caller's verdict says it.
     */
    public record Run(int exitCode, String stdout, String stderr, boolean timedOut, boolean outputOverflow, double seconds,
                      String sandboxError) {
        public Run(int exitCode, String stdout, String stderr, boolean timedOut, boolean outputOverflow, double seconds) {
            this(exitCode, stdout, stderr, timedOut, outputOverflow, seconds, null);
        }

        public boolean exitedNormally() {
            return !timedOut && !outputOverflow && exitCode == 0 && sandboxError == null;
        }

        Run withSandboxError(String error) {
            return new Run(exitCode, stdout, stderr, timedOut, outputOverflow, seconds, error);
        }
    }

    private static final String INNER_SCRIPT = String.join("\n",
            "set -e",
            "cd \"$1\"",
            "if [ \"$2\" != keep ]; then chown -R \"$2:$2\" .; fi",
            "for d in /var/tmp /run/lock /dev/shm; do",
            "  if [ -d \"$d\" ]; then mount -t tmpfs -o ro,size=4k,mode=755 lowbit-sandbox \"$d\"; fi",
            "done",
            "mount -t tmpfs -o size=4k,mode=755 lowbit-sandbox /tmp",
            "mkdir /tmp/box",
            "mount --no-canonicalize --bind . /tmp/box",
            "mount -o remount,bind,ro /tmp",
            "cd /tmp/box",
            "shift 2",
            "exec \"$@\"");

    private static volatile Mode detected;
    private static final Object DETECT_LOCK = new Object();

    private final SandboxLimits limits;
    private final Mode mode;
    private final String python;
    private final Path root;
    private final BlockingQueue<Integer> uids;

    public PythonSandbox(SandboxLimits limits) {
        this(limits, 64);
    }

    /** `slots`: concurrent runs (one uid each); tests use few to show that slots come back */
    PythonSandbox(SandboxLimits limits, int slots) {
        this.limits = limits;
        this.mode = detect();
        this.python = findPython();
        try {
            this.root = Files.createTempDirectory("lowbit-sandbox-", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create sandbox root", e);
        }
        root.toFile().deleteOnExit();
        // a block of uids per JVM so two JVMs running sandboxes rarely share one
        int base = 1_600_000 + (int) (ProcessHandle.current().pid() % 4096) * 64;
        this.uids = new ArrayBlockingQueue<>(slots);
        for (int i = 0; i < slots; i++) uids.add(base + i);
    }

    public Mode mode() {
        return mode;
    }

    /** the per-JVM directory that holds the runs' working directories */
    Path root() {
        return root;
    }

    public SandboxLimits limits() {
        return limits;
    }

    /** the isolation in one line, for reports */
    public String describe() {
        return mode == Mode.ROOT_NAMESPACES
                ? "unshare(net,pid,mount,ipc,uts) + read-only tmpfs over world-writable dirs + setpriv(own uid, no caps, no-new-privs) + prlimit"
                : "unshare(user,net,pid,mount,ipc,uts) + read-only tmpfs over world-writable dirs + prlimit (no uid switch)";
    }

    /** which isolation works on this machine; throws when none does */
    public static Mode detect() {
        Mode m = detected;
        if (m != null) return m;
        synchronized (DETECT_LOCK) {
            if (detected != null) return detected;
            boolean root = "0".equals(runQuiet(List.of("id", "-u")).strip());
            if (root && probe(List.of("unshare", "--net", "--pid", "--mount", "--ipc", "--uts", "--fork", "--kill-child",
                    "--mount-proc", "--", "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--no-new-privs",
                    "--", "prlimit", "--nproc=8", "--", "true"))) {
                detected = Mode.ROOT_NAMESPACES;
            } else if (probe(List.of("unshare", "--user", "--map-root-user", "--net", "--pid", "--mount", "--ipc", "--uts",
                    "--fork", "--kill-child", "--mount-proc", "--", "prlimit", "--nproc=8", "--", "true"))) {
                detected = Mode.USER_NAMESPACES;
            } else {
                throw new SandboxUnavailableException("cannot isolate generated code here: needs util-linux unshare/setpriv/prlimit "
                        + "and either root or unprivileged user namespaces (kernel.unprivileged_userns_clone=1)");
            }
            return detected;
        }
    }

    private static boolean probe(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return false;
            }
            return p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static String runQuiet(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(10, TimeUnit.SECONDS);
            return out;
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    /**
     * A system python3 that an unprivileged uid can execute (not a per-user shim such as
     * pyenv's under /root); the property lowbit.sandbox.python overrides.
     */
    private static String findPython() {
        String prop = System.getProperty("lowbit.sandbox.python");
        if (prop != null && !prop.isBlank()) return prop;
        for (String c : new String[] {"/usr/bin/python3", "/usr/local/bin/python3", "/bin/python3"}) {
            if (Files.isExecutable(Path.of(c))) return c;
        }
        throw new SandboxUnavailableException("no system python3 in /usr/bin, /usr/local/bin or /bin (set -Dlowbit.sandbox.python)");
    }

    /**
     * Writes `files` into a fresh working directory, runs {@code python3 -I -B mainFile args}
     * there with `stdin` as standard input, and deletes the directory afterwards.
     */
    public Run run(Map<String, String> files, String mainFile, List<String> args, String stdin) {
        if (!files.containsKey(mainFile)) throw new IllegalArgumentException("main file not among the files: " + mainFile);
        Integer uid;
        try {
            uid = uids.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a sandbox slot", e);
        }
        try {
            return runWithUid(uid, files, mainFile, args, stdin);
        } finally {
            uids.add(uid); // whatever happened (cleanup failure, exception, Error), the slot comes back
        }
    }

    private Run runWithUid(int uid, Map<String, String> files, String mainFile, List<String> args, String stdin) {
        Path work = null;
        Run run = null;
        try {
            work = Files.createTempDirectory(root, "run-");
            for (Map.Entry<String, String> f : files.entrySet()) {
                if (f.getKey().contains("/") || f.getKey().startsWith(".")) throw new IllegalArgumentException("bad file name: " + f.getKey());
                Files.writeString(work.resolve(f.getKey()), f.getValue(), StandardCharsets.UTF_8);
            }
            run = execute(work, uid, mainFile, args, stdin);
        } catch (IOException e) {
            throw new UncheckedIOException("sandbox run failed", e);
        } finally {
            String error = work == null ? null : cleanUp(work);
            // a finished run that left a tree we cannot delete is reported, not thrown
            if (error != null && run != null) run = run.withSandboxError(error);
        }
        return run;
    }

    /** deletes a run's working directory; returns why it could not (null when it could) */
    static String cleanUp(Path work) {
        Exception last = null;
        for (int attempt = 0; attempt < 2; attempt++) {
            try {
                TreeDeleter.delete(work);
                return null;
            } catch (java.nio.file.NoSuchFileException e) {
                if (!Files.exists(work, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return null;
                last = e;
            } catch (IOException | RuntimeException e) {
                last = e;
            }
        }
        return "sandbox cleanup failed: " + last;
    }

    private List<String> command(Path work, int uid, String mainFile, List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add("unshare");
        if (mode == Mode.USER_NAMESPACES) {
            cmd.add("--user");
            cmd.add("--map-root-user");
        }
        cmd.addAll(List.of("--net", "--pid", "--mount", "--ipc", "--uts", "--fork", "--kill-child", "--mount-proc",
                "--", "/bin/sh", "-c", INNER_SCRIPT, "lowbit-sandbox", work.toAbsolutePath().toString()));
        if (mode == Mode.ROOT_NAMESPACES) {
            cmd.add(Integer.toString(uid));
            cmd.addAll(List.of("setpriv", "--reuid=" + uid, "--regid=" + uid, "--clear-groups", "--no-new-privs",
                    "--inh-caps=-all", "--bounding-set=-all", "--pdeathsig", "KILL", "--"));
        } else {
            cmd.add("keep");
            // root inside the user namespace: an empty bounding set leaves python with no capabilities,
            // so it cannot unmount the masks
            cmd.addAll(List.of("setpriv", "--no-new-privs", "--inh-caps=-all", "--bounding-set=-all", "--pdeathsig", "KILL", "--"));
        }
        cmd.addAll(List.of("prlimit",
                "--nproc=" + limits.maxProcesses(),
                "--as=" + limits.memoryBytes(),
                "--cpu=" + limits.cpuSeconds() + ":" + (limits.cpuSeconds() + 1),
                "--fsize=" + limits.maxFileBytes(),
                "--nofile=256",
                "--core=0",
                "--", python, "-I", "-B", mainFile));
        cmd.addAll(args);
        return cmd;
    }

    private Run execute(Path work, int uid, String mainFile, List<String> args, String stdin) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command(work, uid, mainFile, args));
        Map<String, String> env = pb.environment();
        env.clear();
        env.put("PATH", "/usr/local/bin:/usr/bin:/bin");
        env.put("LANG", "C.UTF-8");
        env.put("HOME", "/tmp/box");
        env.put("OMP_NUM_THREADS", "1");
        env.put("OPENBLAS_NUM_THREADS", "1");
        long start = System.nanoTime();
        Process p = pb.start();
        CappedReader out = new CappedReader(p.getInputStream(), limits.maxOutputBytes(), p);
        CappedReader err = new CappedReader(p.getErrorStream(), 64 << 10, null);
        Thread feeder = new Thread(() -> feed(p.getOutputStream(), stdin), "sandbox-stdin");
        feeder.setDaemon(true);
        out.start();
        err.start();
        feeder.start();
        boolean finished;
        try {
            finished = p.waitFor(limits.wallTimeout().toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            killTree(p);
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running sandboxed code", e);
        }
        if (!finished) killTree(p);
        try {
            p.waitFor(5, TimeUnit.SECONDS);
            out.join(5000);
            err.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        int code = p.isAlive() ? -1 : p.exitValue();
        return new Run(code, out.text(), err.text(), !finished, out.overflow(), seconds);
    }

    private static void feed(OutputStream os, String stdin) {
        try (os) {
            if (stdin != null) os.write(stdin.getBytes(StandardCharsets.UTF_8));
        } catch (IOException ignored) {
            // the program exited without reading all of its input: not an error
        }
    }

    /** kills the namespace's processes from the outside; killing its init kills the rest */
    private static void killTree(Process p) {
        List<ProcessHandle> all = new ArrayList<>();
        p.toHandle().descendants().forEach(all::add);
        all.sort(Comparator.comparingLong(ProcessHandle::pid));
        for (ProcessHandle h : all) h.destroyForcibly();
        p.destroyForcibly();
    }

    /** drains a stream into memory up to a cap; past the cap it kills `owner` (if any) */
    private static final class CappedReader extends Thread {
        private final InputStream in;
        private final long cap;
        private final Process owner;
        private final ByteArrayOutputStream buf = new ByteArrayOutputStream();
        private volatile boolean overflow;

        CappedReader(InputStream in, long cap, Process owner) {
            this.in = in;
            this.cap = cap;
            this.owner = owner;
            setDaemon(true);
        }

        @Override
        public void run() {
            byte[] b = new byte[8192];
            try (in) {
                int n;
                while ((n = in.read(b)) > 0) {
                    long room = cap - buf.size();
                    if (room > 0) buf.write(b, 0, (int) Math.min(room, n));
                    if (n > room && !overflow) {
                        overflow = true;
                        if (owner != null) killTree(owner);
                    }
                }
            } catch (IOException ignored) {
                // stream closed when the process was killed
            }
        }

        boolean overflow() {
            return overflow;
        }

        String text() {
            synchronized (buf) {
                return buf.toString(StandardCharsets.UTF_8);
            }
        }
    }
}
