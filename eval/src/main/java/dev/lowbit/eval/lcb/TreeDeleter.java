package dev.lowbit.eval.lcb;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;

import java.io.IOException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * Deletes a directory tree that hostile code built, relative to open directory descriptors
 * ({@link SecureDirectoryStream}: openat/unlinkat/renameat), so that neither the absolute path
 * length (a tree can be far deeper than PATH_MAX) nor a symbolic link swapped in anywhere can
 * make it fail or reach outside the tree: links are removed, never followed.
 *
 * <p>Descriptors and Java stack stay bounded however deep the tree: past {@link #MAX_DEPTH}
 * levels a subdirectory is renamed up into the top directory and deleted in a later pass.
 */
final class TreeDeleter {
    static final int MAX_DEPTH = 32;

    private SecureDirectoryStream<Path> top;
    private long moved;

    /** deletes `dir` and everything under it; throws if anything is left */
    static void delete(Path dir) throws IOException {
        Path parent = dir.toAbsolutePath().getParent();
        Path name = dir.getFileName();
        try (DirectoryStream<Path> ps = Files.newDirectoryStream(parent)) {
            if (!(ps instanceof SecureDirectoryStream<Path> sp))
                throw new IOException("this platform has no SecureDirectoryStream: cannot delete " + dir + " safely");
            if (!isDirectory(sp, name)) {
                sp.deleteFile(name);
                return;
            }
            // each pass removes up to MAX_DEPTH levels; deeper parts were moved up and wait for the next
            // (a directory stream iterates once, so each pass opens the top directory again)
            TreeDeleter d = new TreeDeleter();
            while (true) {
                try (SecureDirectoryStream<Path> top = open(sp, name)) {
                    List<Path> names = list(top);
                    if (names.isEmpty()) break;
                    d.top = top;
                    for (Path n : names) d.remove(top, n, 1);
                }
            }
            sp.deleteDirectory(name);
        }
    }

    private void remove(SecureDirectoryStream<Path> parent, Path name, int depth) throws IOException {
        if (!isDirectory(parent, name)) {
            parent.deleteFile(name); // a file, link, fifo or socket: unlinkat, no link is followed
            return;
        }
        if (depth >= MAX_DEPTH) {
            moveUp(parent, name);
            return;
        }
        try (SecureDirectoryStream<Path> dir = open(parent, name)) {
            for (Path n : list(dir)) remove(dir, n, depth + 1);
        }
        parent.deleteDirectory(name);
    }

    private void moveUp(SecureDirectoryStream<Path> parent, Path name) throws IOException {
        while (true) {
            Path target = Path.of(".lowbit-deep-" + (moved++));
            try {
                parent.move(name, top, target);
                return;
            } catch (FileAlreadyExistsException e) {
                // the code made an entry of that name: try the next
            } catch (FileSystemException e) {
                // renameat onto a non-empty directory (ENOTEMPTY) or a file (ENOTDIR): also a taken name
                String why = String.valueOf(e.getReason());
                if (!why.contains("Directory not empty") && !why.contains("Not a directory")) throw e;
            }
        }
    }

    private static boolean isDirectory(SecureDirectoryStream<Path> parent, Path name) throws IOException {
        return parent.getFileAttributeView(name, BasicFileAttributeView.class, NOFOLLOW_LINKS).readAttributes().isDirectory();
    }

    /** opens a subdirectory without following a link; makes it searchable first if the code locked it (chmod 000) */
    private static SecureDirectoryStream<Path> open(SecureDirectoryStream<Path> parent, Path name) throws IOException {
        try {
            return parent.newDirectoryStream(name, NOFOLLOW_LINKS);
        } catch (java.nio.file.AccessDeniedException e) {
            parent.getFileAttributeView(name, PosixFileAttributeView.class, NOFOLLOW_LINKS)
                    .setPermissions(PosixFilePermissions.fromString("rwx------"));
            return parent.newDirectoryStream(name, NOFOLLOW_LINKS);
        }
    }

    /** the names in a directory, read fully before anything is deleted from it */
    private static List<Path> list(SecureDirectoryStream<Path> dir) throws IOException {
        List<Path> out = new ArrayList<>();
        try {
            for (Path p : dir) out.add(p.getFileName());
        } catch (DirectoryIteratorException e) {
            throw e.getCause();
        }
        return out;
    }
}
