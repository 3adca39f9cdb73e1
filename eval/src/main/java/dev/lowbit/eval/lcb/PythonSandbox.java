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
 * <p>Mechanism (Linux, util-linux tools and one small native launcher), when running as root:
 * <ol>
 * <li>{@code unshare --net --pid --mount --ipc --uts --fork --mount-proc}: a new network
 *     namespace with no interfaces up (every connection fails with "Network is unreachable",
 *     loopback included), a new PID namespace whose init is the python process (when it
 *     exits or is killed, the kernel kills every process left in it), a private mount
 *     namespace;</li>
 * <li>inside, a shell (still root, only in those namespaces) builds a new root and
 *     {@code pivot_root}s into it ({@link SandboxFilesystem}): read-only binds of /usr, /lib*
 *     and the interpreter's own prefixes, a minimal /etc and /dev, a fresh /proc, and the
 *     working directory /tmp/box as a size- and inode-limited tmpfs (the disk quota) holding a
 *     copy of the run's files and owned by the run's uid. Nothing else of the host exists
 *     there: not the project, not the benchmark data, not /root or /home;</li>
 * <li>{@code setpriv} switches to that unprivileged uid/gid (one uid per concurrent run,
 *     from a per-JVM pool, so process limits do not interfere), drops every capability,
 *     sets no-new-privs and a parent-death SIGKILL;</li>
 * <li>{@code lowbit-seccomp-exec} ({@link SeccompLauncher}, native/sandbox/seccomp_exec.c)
 *     installs a seccomp filter before the interpreter is loaded: unshare, setns, clone with
 *     namespace flags, mount and the mount API, ptrace, bpf, io_uring... fail with EPERM, in
 *     every process the code starts;</li>
 * <li>{@code prlimit} sets RLIMIT_NPROC (fork bombs stop at the limit; it applies because the
 *     uid is not root), RLIMIT_AS (memory), RLIMIT_CPU, RLIMIT_FSIZE, RLIMIT_NOFILE and no
 *     core dumps;</li>
 * <li>Java enforces the wall-clock timeout (killing the whole process tree) and the stdout
 *     cap. What the code wrote vanishes with its mount namespace; the host-side run directory
 *     (the input files and the mount point) is deleted by directory descriptor, never
 *     following a link ({@link TreeDeleter}); a run whose directory cannot be deleted reports
 *     it in {@link Run#sandboxError()}, and its uid slot always returns to the pool.</li>
 * </ol>
 * Without root, the same runs in a user namespace ({@code unshare --user --map-root-user}) with
 * the same root, quota, filter and limits, capabilities dropped through an empty bounding set,
 * but without the uid switch (RLIMIT_NPROC then counts the user's own processes too). The
 * constructor runs one trivial program through the whole chain, so a machine where any step
 * fails refuses up front ({@link SandboxUnavailableException}) instead of failing every test
 * later. The tests exercise the mode the machine has, and user-namespace mode too where root
 * can create one.
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

    private static volatile Mode detected;
    private static final Object DETECT_LOCK = new Object();

    private final SandboxLimits limits;
    private final Mode mode;
    private final SandboxPython python;
    private final Path launcher;
    private final Path root;
    private final BlockingQueue<Integer> uids;

    public PythonSandbox(SandboxLimits limits) {
        this(limits, 64);
    }

    /** `slots`: concurrent runs (one uid each); tests use few to show that slots come back */
    PythonSandbox(SandboxLimits limits, int slots) {
        this(limits, slots, detect());
    }

    /** `mode`: tests force user-namespace mode where root can run both */
    PythonSandbox(SandboxLimits limits, int slots, Mode mode) {
        this.limits = limits;
        this.mode = mode;
        this.python = SandboxPython.find();
        this.launcher = SeccompLauncher.path();
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
        selfTest();
    }

    /** one trivial program through the whole chain: a step that fails here would fail every test */
    private void selfTest() {
        Run r = run(Map.of("main.py", "import sys\nprint('ok', sys.version_info[0])\n"), "main.py", List.of(), "");
        if (!r.exitedNormally() || !r.stdout().equals("ok 3\n")) {
            String why = (r.stderr() + (r.sandboxError() == null ? "" : " " + r.sandboxError())).strip();
            throw new SandboxUnavailableException("the sandbox (" + describe() + ") does not run python here: "
                    + (r.timedOut() ? "timed out" : "exit " + r.exitCode()) + (why.isEmpty() ? "" : ": " + why.lines().reduce((a, b) -> b).orElse("")));
        }
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
        String fs = " + pivot_root to a read-only root of /usr, /lib*, the python prefix + " + (limits.workDirBytes() >> 20)
                + " MiB tmpfs work dir";
        return mode == Mode.ROOT_NAMESPACES
                ? "unshare(net,pid,mount,ipc,uts)" + fs + " + setpriv(own uid, no caps, no-new-privs) + seccomp(no namespaces/mounts/ptrace) + prlimit"
                : "unshare(user,net,pid,mount,ipc,uts)" + fs + " + seccomp(no namespaces/mounts/ptrace) + prlimit (no uid switch)";
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
            Path inputs = Files.createDirectory(work.resolve("files"));
            Files.createDirectory(work.resolve("root")); // the new root's mount point
            for (Map.Entry<String, String> f : files.entrySet()) {
                if (f.getKey().contains("/") || f.getKey().startsWith(".")) throw new IllegalArgumentException("bad file name: " + f.getKey());
                Files.writeString(inputs.resolve(f.getKey()), f.getValue(), StandardCharsets.UTF_8);
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

    private List<String> command(Path work, int uid, String mainFile, List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add("unshare");
        if (mode == Mode.USER_NAMESPACES) {
            cmd.add("--user");
            cmd.add("--map-root-user");
        }
        cmd.addAll(List.of("--net", "--pid", "--mount", "--ipc", "--uts", "--fork", "--kill-child", "--mount-proc",
                "--", "/bin/sh", "-c", SandboxFilesystem.SCRIPT, "lowbit-sandbox"));
        cmd.addAll(SandboxFilesystem.arguments(work, mode == Mode.ROOT_NAMESPACES ? uid : null, limits, launcher, python));
        if (mode == Mode.ROOT_NAMESPACES) {
            cmd.addAll(List.of("setpriv", "--reuid=" + uid, "--regid=" + uid, "--clear-groups", "--no-new-privs",
                    "--inh-caps=-all", "--bounding-set=-all", "--pdeathsig", "KILL", "--"));
        } else {
            // root inside the user namespace: an empty bounding set leaves python with no capabilities,
            // so it cannot remount the read-only root or reach under it
            cmd.addAll(List.of("setpriv", "--no-new-privs", "--inh-caps=-all", "--bounding-set=-all", "--pdeathsig", "KILL", "--"));
        }
        cmd.addAll(List.of(SandboxFilesystem.LAUNCHER, "prlimit",
                "--nproc=" + limits.maxProcesses(),
                "--as=" + limits.memoryBytes(),
                "--cpu=" + limits.cpuSeconds() + ":" + (limits.cpuSeconds() + 1),
                "--fsize=" + limits.maxFileBytes(),
                "--nofile=256",
                "--core=0",
                "--", python.executable(), "-I", "-B", mainFile));
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
