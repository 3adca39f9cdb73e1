package dev.lowbit.eval.lcb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Generated code is hostile input: each attack must fail inside the sandbox and leave the
 * machine as it was. Runs only where the sandbox can be built (Linux with util-linux and root
 * or user namespaces); elsewhere the sandbox refuses to run code at all. The attacks on the host's
 * files, disk and namespaces run in every mode this machine has: the detected one, and
 * user-namespace mode too when running as root.
 */
class PythonSandboxTest {
    static PythonSandbox sandbox;
    static final Map<PythonSandbox.Mode, PythonSandbox> BY_MODE = new EnumMap<>(PythonSandbox.Mode.class);
    static Path canary;

    @BeforeAll
    static void setUp() throws Exception {
        SandboxLimits limits = SandboxLimits.lcbDefaults().withWallTimeout(Duration.ofSeconds(3));
        sandbox = new PythonSandbox(limits);
        BY_MODE.put(sandbox.mode(), sandbox);
        if (sandbox.mode() == PythonSandbox.Mode.ROOT_NAMESPACES) {
            try {
                BY_MODE.put(PythonSandbox.Mode.USER_NAMESPACES, new PythonSandbox(limits, 4, PythonSandbox.Mode.USER_NAMESPACES));
            } catch (SandboxUnavailableException e) {
                System.err.println("user-namespace mode not testable here: " + e.getMessage());
            }
        }
        canary = Files.createTempDirectory("lowbit-canary-");
    }

    static List<PythonSandbox.Mode> modes() {
        return List.copyOf(BY_MODE.keySet());
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (canary != null) TreeDeleter.delete(canary);
    }

    private static PythonSandbox.Run run(String code) {
        return sandbox.run(Map.of("main.py", code), "main.py", List.of(), "");
    }

    @Test
    void ordinaryProgramReadsStdinAndWritesStdout() {
        PythonSandbox.Run r = sandbox.run(Map.of("main.py", "import sys\nprint(sum(map(int, sys.stdin.read().split())))\n"),
                "main.py", List.of(), "1 2 3\n4\n");
        assertTrue(r.exitedNormally(), r.stderr());
        assertEquals("10\n", r.stdout());
    }

    @Test
    void infiniteLoopIsKilledAtTheWallClockLimit() {
        long t0 = System.nanoTime();
        PythonSandbox.Run r = run("while True:\n    pass\n");
        double s = (System.nanoTime() - t0) / 1e9;
        assertTrue(r.timedOut());
        assertTrue(s < 8, "took " + s + " s");
    }

    @Test
    void forkBombHitsTheProcessLimitAndLeavesNothingBehind() throws Exception {
        String bomb = String.join("\n",
                "import os, time",
                "n = 0",
                "try:",
                "    while True:",
                "        if os.fork() == 0:",
                "            while True:",
                "                try: os.fork()",
                "                except OSError: time.sleep(0.01)",
                "        n += 1",
                "except OSError as e:",
                "    print('fork refused after', n, e.errno, flush=True)",
                "time.sleep(60)",
                "");
        PythonSandbox.Run r = run(bomb);
        assertTrue(r.timedOut());
        assertTrue(r.stdout().startsWith("fork refused after"), r.stdout() + r.stderr());
        int forks = Integer.parseInt(r.stdout().split(" ")[3]);
        assertTrue(forks < sandbox.limits().maxProcesses(), "forked " + forks);
        // the whole PID namespace died with its init: no process of the sandbox uids remains
        Thread.sleep(200);
        long left = ProcessHandle.allProcesses().filter(h -> h.info().command().orElse("").contains("python3")
                && h.info().user().map(u -> u.matches("\\d{7}")).orElse(false)).count();
        assertEquals(0, left, "sandbox processes still alive");
    }

    @Test
    void hugeAllocationFailsWithMemoryError() {
        PythonSandbox.Run r = run("try:\n    b = bytearray(10 * 1024**3)\n    print('allocated')\nexcept MemoryError:\n    print('MemoryError')\n");
        assertEquals("MemoryError\n", r.stdout(), r.stderr());
    }

    @Test
    void writesOutsideTheWorkingDirectoryFail() {
        String target = canary.resolve("pwned").toString();
        String code = String.join("\n",
                "import os",
                "for p in ['" + target + "', '/tmp/lowbit-pwned', '../pwned', '/dev/shm/lowbit-pwned', '/var/tmp/lowbit-pwned', '/etc/lowbit-pwned']:",
                "    try:",
                "        open(p, 'w').write('x')",
                "        print('WROTE', p)",
                "    except OSError as e:",
                "        print('denied', type(e).__name__)",
                "open('inside.txt', 'w').write('ok')",
                "print('inside', open('inside.txt').read())",
                "");
        PythonSandbox.Run r = run(code);
        assertTrue(r.exitedNormally(), r.stderr());
        assertFalse(r.stdout().contains("WROTE"), r.stdout());
        assertEquals(6, r.stdout().lines().filter(l -> l.startsWith("denied")).count(), r.stdout());
        assertTrue(r.stdout().contains("inside ok"));
        assertFalse(Files.exists(canary.resolve("pwned")));
        assertFalse(Files.exists(Path.of("/tmp/lowbit-pwned")));
        assertFalse(Files.exists(Path.of("/dev/shm/lowbit-pwned")));
    }

    @Test
    void theCodeHasNoCapabilitiesAndCannotUndoTheMounts() {
        String code = String.join("\n",
                "import ctypes",
                "libc = ctypes.CDLL(None, use_errno=True)",
                "print('umount', libc.umount2(b'/tmp', 2), ctypes.get_errno())",
                "print([l.split()[1] for l in open('/proc/self/status') if l.startswith('CapEff')][0])",
                "");
        PythonSandbox.Run r = run(code);
        assertTrue(r.exitedNormally(), r.stderr());
        assertEquals("umount -1 1\n0000000000000000\n", r.stdout());
    }

    @Test
    void networkConnectionsFail() {
        String code = String.join("\n",
                "import socket",
                "for host, port in [('1.1.1.1', 80), ('127.0.0.1', 22), ('8.8.8.8', 53)]:",
                "    s = socket.socket(); s.settimeout(2)",
                "    try:",
                "        s.connect((host, port)); print('CONNECTED', host)",
                "    except OSError as e:",
                "        print('refused', e.errno)",
                "");
        PythonSandbox.Run r = run(code);
        assertTrue(r.exitedNormally(), r.stderr());
        assertFalse(r.stdout().contains("CONNECTED"), r.stdout());
        assertEquals(3, r.stdout().lines().filter(l -> l.startsWith("refused")).count());
    }

    @Test
    void floodOfOutputIsCutAtTheCap() {
        PythonSandbox small = new PythonSandbox(new SandboxLimits(Duration.ofSeconds(3), 4, 1L << 30, 16, 1 << 16, 1 << 20));
        PythonSandbox.Run r = small.run(Map.of("main.py", "while True:\n    print('x' * 1000)\n"), "main.py", List.of(), "");
        assertTrue(r.outputOverflow());
        assertTrue(r.stdout().length() <= (1 << 16));
    }

    // ---- the host's files, its disk, and namespaces (issue 14) ----

    /** host paths that exist and are world-readable out here, and that the code must not see */
    private static List<String> hostSecrets() throws Exception {
        List<String> paths = new ArrayList<>();
        Path project = Path.of("").toAbsolutePath();
        while (project.getParent() != null && !Files.exists(project.resolve("CMakeLists.txt"))) project = project.getParent();
        paths.add(project.toString());
        paths.add(project.resolve("pom.xml").toString());
        String data = System.getenv("LOWBIT_DATA_PATH");
        if (data != null && !data.isBlank() && Files.exists(Path.of(data))) paths.add(Path.of(data).toAbsolutePath().toString());
        for (String p : List.of("/root", "/home", "/work", "/var", "/opt", "/etc/hostname", "/etc/os-release", "/sys")) {
            if (Files.exists(Path.of(p))) paths.add(p);
        }
        // a world-readable file in a world-readable directory of the host's temp dir
        Path open = canary.resolve("open");
        if (!Files.exists(open)) {
            Files.createDirectory(open, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
            Files.writeString(open.resolve("secret.txt"), "host secret");
            Files.setPosixFilePermissions(open.resolve("secret.txt"), PosixFilePermissions.fromString("rw-r--r--"));
            Files.setPosixFilePermissions(canary, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        paths.add(open.resolve("secret.txt").toString());
        return paths;
    }

    @ParameterizedTest
    @MethodSource("modes")
    void theHostsFilesAreNotThere(PythonSandbox.Mode mode) throws Exception {
        List<String> secrets = hostSecrets();
        String code = String.join("\n",
                "import os, sys",
                "for p in sys.argv[1:]:",
                "    try:",
                "        if os.path.isdir(p): print('LISTED', p, os.listdir(p))",
                "        else: print('READ', p, open(p).read(200))",
                "    except OSError as e:",
                "        print('hidden', p, e.errno)",
                "print('root', sorted(os.listdir('/')))",
                "print('etc', sorted(os.listdir('/etc')))",
                "print('dev', sorted(os.listdir('/dev')))",
                "");
        PythonSandbox.Run r = BY_MODE.get(mode).run(Map.of("main.py", code), "main.py", secrets, "");
        assertTrue(r.exitedNormally(), r.stderr());
        assertEquals(secrets.size(), r.stdout().lines().filter(l -> l.startsWith("hidden ")).count(), r.stdout());
        assertFalse(r.stdout().contains("LISTED") || r.stdout().contains("READ") || r.stdout().contains("host secret"), r.stdout());
        assertTrue(r.stdout().contains("root ['bin', 'dev', 'etc', 'lib', "), r.stdout());
        assertTrue(r.stdout().contains("etc ['group', 'ld.so.cache', "), r.stdout());
        assertTrue(r.stdout().contains("dev ['fd', 'full', 'null', 'random', 'stderr', 'stdin', 'stdout', 'urandom', 'zero']"), r.stdout());
    }

    @ParameterizedTest
    @MethodSource("modes")
    void theRootIsReadOnlyAndOnlyTheWorkDirIsWritable(PythonSandbox.Mode mode) {
        String code = String.join("\n",
                "import os",
                "for p in ['/usr/lowbit-pwned', '/etc/passwd', '/lowbit-pwned', '/tmp/lowbit-pwned', '/proc/sys/kernel/hostname']:",
                "    try:",
                "        open(p, 'a').write('x'); print('WROTE', p)",
                "    except OSError as e:",
                "        print('denied', e.errno)",
                "open('/tmp/box/ok', 'w').write('ok'); print(os.getcwd(), open('ok').read())",
                "");
        PythonSandbox.Run r = BY_MODE.get(mode).run(Map.of("main.py", code), "main.py", List.of(), "");
        assertTrue(r.exitedNormally(), r.stderr());
        assertFalse(r.stdout().contains("WROTE"), r.stdout());
        assertEquals(5, r.stdout().lines().filter(l -> l.startsWith("denied")).count(), r.stdout());
        assertTrue(r.stdout().endsWith("/tmp/box ok\n"), r.stdout());
    }

    @ParameterizedTest
    @MethodSource("modes")
    void writingPastTheWorkDirQuotaFailsWithNoSpace(PythonSandbox.Mode mode) throws Exception {
        PythonSandbox s = BY_MODE.get(mode);
        long quota = s.limits().workDirBytes();
        long freeBefore = Files.getFileStore(s.root()).getUsableSpace();
        // 4 files of 50 MB: each under RLIMIT_FSIZE, together past the quota
        String code = String.join("\n",
                "import os",
                "st = os.statvfs('.')",
                "print('fs', st.f_blocks * st.f_frsize)",
                "chunk = b'x' * (1 << 20)",
                "n = 0",
                "try:",
                "    for f in range(4):",
                "        with open('big%d' % f, 'wb') as out:",
                "            for i in range(50):",
                "                out.write(chunk); out.flush(); n += len(chunk)",
                "    print('WROTE ALL', n)",
                "except OSError as e:",
                "    print('stopped', e.errno, n)",
                "");
        PythonSandbox.Run r = s.run(Map.of("main.py", code), "main.py", List.of(), "");
        assertTrue(r.exitedNormally(), r.stderr());
        List<String> lines = r.stdout().lines().toList();
        long fs = Long.parseLong(lines.get(0).substring(3)); // the quota plus main.py's page
        assertTrue(fs >= quota && fs <= quota + (64 << 10), lines.get(0));
        String[] stop = lines.get(1).split(" ");
        assertEquals("stopped", stop[0], r.stdout());
        assertEquals("28", stop[1], "ENOSPC expected: " + r.stdout());
        assertTrue(Long.parseLong(stop[2]) <= quota && Long.parseLong(stop[2]) >= quota - (2 << 20), r.stdout());
        // nothing of it reached the host's disk (a tolerance for the other processes on the machine)
        long freeAfter = Files.getFileStore(s.root()).getUsableSpace();
        assertTrue(freeBefore - freeAfter < (150L << 20), "host lost " + ((freeBefore - freeAfter) >> 20) + " MiB");

        // not caught: the run still returns a verdict (a runtime error), not an exception or a hang
        PythonSandbox.Run uncaught = s.run(Map.of("main.py", "open('big', 'wb').write(b'x' * (200 << 20))\n"), "main.py", List.of(), "");
        assertFalse(uncaught.timedOut());
        assertTrue(uncaught.exitCode() != 0, uncaught.stdout());
        assertTrue(uncaught.stderr().contains("No space left on device") || uncaught.stderr().contains("File too large"), uncaught.stderr());
        assertEquals(null, uncaught.sandboxError());
    }

    @Test
    void theWorkDirInodeLimitHoldsAndInputsComeOnTop() {
        PythonSandbox small = new PythonSandbox(SandboxLimits.lcbDefaults().withWallTimeout(Duration.ofSeconds(3)).withWorkDir(4L << 20, 128), 1);
        String code = String.join("\n",
                "import os",
                "n = 0",
                "try:",
                "    for i in range(10000):",
                "        open('f%d' % i, 'w').close(); n += 1",
                "except OSError as e:",
                "    print('stopped', e.errno, n)",
                "");
        PythonSandbox.Run r = small.run(Map.of("main.py", code), "main.py", List.of(), "");
        assertTrue(r.exitedNormally(), r.stderr());
        assertTrue(r.stdout().startsWith("stopped 28 "), r.stdout());
        assertTrue(Integer.parseInt(r.stdout().strip().split(" ")[2]) <= 128, r.stdout());

        // input files come on top of the quota: a test input larger than it still arrives whole
        PythonSandbox.Run big = small.run(Map.of("main.py", "print(len(open('input.txt').read()))\n", "input.txt", "7".repeat(6 << 20)),
                "main.py", List.of(), "");
        assertTrue(big.exitedNormally(), big.stderr());
        assertEquals((6 << 20) + "\n", big.stdout());
    }

    @ParameterizedTest
    @MethodSource("modes")
    void namespaceCreationIsRefused(PythonSandbox.Mode mode) {
        String code = String.join("\n",
                "import ctypes, os, subprocess",
                "libc = ctypes.CDLL(None, use_errno=True)",
                "libc.syscall.restype = ctypes.c_long",
                "u = ctypes.c_ulong",
                "def report(what, r):",
                "    print(what, 'refused' if r == -1 and ctypes.get_errno() == 1 else 'ALLOWED %d %d' % (r, ctypes.get_errno()))",
                "NEWUSER, NEWNS, NEWNET, NEWPID = 0x10000000, 0x20000, 0x40000000, 0x20000000",
                "nr_clone = {'x86_64': 56, 'aarch64': 220}[os.uname().machine]",
                "r = libc.syscall(u(nr_clone), u(NEWUSER | 17), u(0), u(0), u(0), u(0))",
                "if r == 0: os._exit(0)",
                "if r > 0: os.waitpid(r, 0)",
                "report('clone(NEWUSER)', r)",
                "for name, flag in [('NEWUSER', NEWUSER), ('NEWNS', NEWNS), ('NEWNET', NEWNET), ('NEWPID', NEWPID)]:",
                "    report('unshare(' + name + ')', libc.unshare(flag))",
                "report('setns', libc.setns(-1, NEWUSER))",
                "if hasattr(os, 'unshare'):",
                "    try: os.unshare(os.CLONE_NEWUSER); print('os.unshare ALLOWED')",
                "    except OSError as e: print('os.unshare', 'refused' if e.errno == 1 else 'ALLOWED %d' % e.errno)",
                "pid = os.fork()",  // a child inherits the filter
                "if pid == 0:",
                "    os._exit(0 if libc.unshare(NEWUSER) == -1 and ctypes.get_errno() == 1 else 3)",
                "print('child', 'refused' if os.waitpid(pid, 0)[1] == 0 else 'ALLOWED')",
                "p = subprocess.run(['unshare', '--user', '--map-root-user', 'true'], capture_output=True)",
                "print('unshare(1)', 'refused' if p.returncode != 0 else 'ALLOWED')",
                "print([l.split()[1] for l in open('/proc/self/status') if l.startswith('Seccomp:')][0])",
                "");
        PythonSandbox.Run r = BY_MODE.get(mode).run(Map.of("main.py", code), "main.py", List.of(), "");
        assertTrue(r.exitedNormally(), r.stderr());
        assertFalse(r.stdout().contains("ALLOWED"), r.stdout());
        assertTrue(r.stdout().lines().filter(l -> l.endsWith(" refused")).count() >= 8, r.stdout());
        assertTrue(r.stdout().endsWith("\n2\n"), "seccomp filter mode expected: " + r.stdout());
    }

    @Test
    void anInterpreterOutsideUsrIsBoundByItsPrefixAlone() throws Exception {
        // pyenv's interpreters live under /root: bound by prefix, the rest of /root stays hidden
        Path versions = Path.of(System.getProperty("user.home"), ".pyenv", "versions");
        Path python = null;
        if (Files.isDirectory(versions)) {
            try (var s = Files.list(versions)) {
                python = s.map(v -> v.resolve("bin/python3")).filter(Files::isExecutable).sorted().findFirst().orElse(null);
            }
        }
        Assumptions.assumeTrue(python != null, "no pyenv interpreter here");
        SandboxPython resolved = SandboxPython.resolve(python.toString());
        assertEquals(1, resolved.extraDirs().size(), resolved.toString());
        String prefix = resolved.extraDirs().get(0);
        assertTrue(prefix.startsWith(versions.toRealPath().toString()), prefix);
        System.setProperty("lowbit.sandbox.python", python.toString());
        try {
            PythonSandbox s = new PythonSandbox(SandboxLimits.lcbDefaults().withWallTimeout(Duration.ofSeconds(5)), 1);
            String code = String.join("\n",
                    "import os, sys",
                    "print(sys.prefix)",
                    "home = '" + System.getProperty("user.home") + "'",
                    "print(sorted(os.listdir(home)))",
                    "for f in ['.bashrc', '.profile', '.pyenv/version']:",
                    "    try: open(os.path.join(home, f)).read(); print('READ', f)",
                    "    except OSError as e: print('hidden', f)",
                    "");
            PythonSandbox.Run r = s.run(Map.of("main.py", code), "main.py", List.of(), "");
            assertTrue(r.exitedNormally(), r.stderr());
            List<String> lines = r.stdout().lines().toList();
            assertEquals(prefix, lines.get(0));
            assertEquals("['.pyenv']", lines.get(1), r.stdout());
            assertEquals(3, lines.stream().filter(l -> l.startsWith("hidden")).count(), r.stdout());
        } finally {
            System.clearProperty("lowbit.sandbox.python");
        }
    }

    @Test
    void prefixesInsideTheSystemDirectoriesOrEachOtherAreNotBoundTwice() {
        assertEquals(List.of(), SandboxPython.extraDirs(List.of("/usr", "/usr/bin", "/usr/lib/python3.11")));
        assertEquals(List.of("/opt/py"), SandboxPython.extraDirs(List.of("/opt/py", "/opt/py/bin", "/usr")));
        assertEquals(List.of("/opt/py", "/opt/py-venv"), SandboxPython.extraDirs(List.of("/opt/py-venv", "/opt/py/bin", "/opt/py")));
        assertThrows(SandboxUnavailableException.class, () -> SandboxPython.extraDirs(List.of("/")));
    }
}
