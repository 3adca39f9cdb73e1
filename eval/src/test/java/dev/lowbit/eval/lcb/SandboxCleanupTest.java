package dev.lowbit.eval.lcb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Whatever tree the code leaves in its working directory, the run returns, the directory is
 * gone, nothing outside it is touched, and the uid slot comes back (a sandbox with 2 slots
 * runs many hostile programs in a row without waiting forever). The working directory is a
 * tmpfs that dies with the sandbox's mount namespace, so these trees never reach the host; the
 * host-side run directory is still deleted by descriptor ({@link TreeDeleter}, tested on a
 * host tree below).
 */
class SandboxCleanupTest {
    static PythonSandbox sandbox;

    @BeforeAll
    static void setUp() {
        try {
            sandbox = new PythonSandbox(SandboxLimits.lcbDefaults().withWallTimeout(Duration.ofSeconds(10)), 2);
        } catch (SandboxUnavailableException e) {
            Assumptions.abort("no sandbox on this machine: " + e.getMessage());
        }
    }

    private static PythonSandbox.Run run(String code) {
        return sandbox.run(Map.of("main.py", code), "main.py", List.of(), "");
    }

    /** mkdir + chdir, level by level: the tree's absolute path ends far beyond PATH_MAX (4096) */
    static final String DEEP = String.join("\n",
            "import os",
            "n = 0",
            "for i in range(400):",
            "    os.mkdir('d' * 60); os.chdir('d' * 60); n += 61",
            "open('leaf.txt', 'w').write('x')",
            "print('depth chars', n)",
            "");

    @Test
    void treeDeeperThanPathMaxIsDeletedAndTheSlotsComeBack() {
        assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
            for (int i = 0; i < 5; i++) { // more runs than slots: a slot kept by a failed cleanup would hang here
                PythonSandbox.Run r = run(DEEP);
                assertTrue(r.exitedNormally(), r.stderr() + " / " + r.sandboxError());
                assertEquals("depth chars 24400\n", r.stdout());
            }
            assertEquals("ok\n", run("print('ok')\n").stdout());
        });
        assertSandboxRootEmpty();
    }

    @Test
    void linksAreRemovedNotFollowed() throws Exception {
        Path outside = Files.createTempDirectory("lowbit-cleanup-canary-");
        Path canary = Files.writeString(outside.resolve("keep.txt"), "keep");
        try {
            // links to host paths: were the work dir on the host, a following deleter would reach them
            String code = String.join("\n",
                    "import os",
                    "os.symlink('" + outside + "', 'to-outside')",
                    "os.symlink('" + canary + "', 'to-canary')",
                    "os.symlink('/', 'to-root')",
                    "os.symlink('.', 'loop')",
                    "os.mkdir('deep'); os.chdir('deep')",
                    "for i in range(80):",
                    "    os.mkdir('x'); os.symlink('" + outside + "', 'l%d' % i); os.chdir('x')",
                    "os.mkfifo('fifo')",
                    "print('made')",
                    "");
            PythonSandbox.Run r = run(code);
            assertTrue(r.exitedNormally(), r.stderr() + " / " + r.sandboxError());
            assertEquals("keep", Files.readString(canary));
            assertSandboxRootEmpty();
        } finally {
            Files.deleteIfExists(canary);
            Files.deleteIfExists(outside);
        }
    }

    @Test
    void lockedDirectoriesAndKilledWritersAreCleanedUp() {
        String code = String.join("\n",
                "import os",
                "os.makedirs('a/b/c'); open('a/b/c/f', 'w').write('x')",
                "os.chmod('a/b/c', 0); os.chmod('a/b', 0o500); os.chmod('a', 0)",
                "i = 0",
                "while True:", // still writing files when the wall clock kills it
                "    open('spam%d' % (i % 5000), 'w').write('x'); i += 1",
                "");
        PythonSandbox small = new PythonSandbox(SandboxLimits.lcbDefaults().withWallTimeout(Duration.ofSeconds(2)), 1);
        PythonSandbox.Run r = small.run(Map.of("main.py", code), "main.py", List.of(), "");
        assertTrue(r.timedOut());
        assertNull(r.sandboxError());
        assertEquals("ok\n", small.run(Map.of("main.py", "print('ok')\n"), "main.py", List.of(), "").stdout());
    }

    @Test
    void deleterHandlesTreesBeyondItsDescriptorDepthOnTheHost() throws Exception {
        // no sandbox needed: a tree three times deeper than the deleter keeps descriptors open for
        Path top = Files.createTempDirectory("lowbit-deep-");
        Path p = top;
        for (int i = 0; i < 3 * TreeDeleter.MAX_DEPTH; i++) {
            p = Files.createDirectory(p.resolve("n" + i));
        }
        Files.writeString(p.resolve("f"), "x");
        Files.createSymbolicLink(p.resolve("up"), top);
        TreeDeleter.delete(top);
        assertTrue(Files.notExists(top));
    }

    /** every run directory under the sandbox's root was removed */
    private static void assertSandboxRootEmpty() {
        try (var s = Files.list(sandbox.root())) {
            assertEquals(List.of(), s.toList());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
