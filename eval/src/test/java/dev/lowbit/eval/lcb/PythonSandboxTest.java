package dev.lowbit.eval.lcb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Generated code is hostile input: each attack must fail inside the sandbox and leave the
 * machine as it was. Runs only where the sandbox can be built (Linux with util-linux and root
 * or user namespaces); elsewhere the sandbox refuses to run code at all.
 */
class PythonSandboxTest {
    static PythonSandbox sandbox;
    static Path canary;

    @BeforeAll
    static void setUp() throws Exception {
        sandbox = new PythonSandbox(SandboxLimits.lcbDefaults().withWallTimeout(Duration.ofSeconds(3)));
        canary = Files.createTempDirectory("lowbit-canary-");
    }

    @AfterAll
    static void tearDown() throws Exception {
        try (var s = Files.list(canary)) {
            for (Path p : s.toList()) Files.delete(p);
        }
        Files.delete(canary);
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
}
