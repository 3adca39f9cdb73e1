/*
 * lowbit-seccomp-exec PROGRAM [ARGS...]: installs a seccomp filter, then execs PROGRAM.
 *
 * The LiveCodeBench sandbox (PythonSandbox.java) runs generated code through this launcher so
 * that the code can never create a namespace or rearrange mounts, whatever runs first in the
 * python process: the filter is in place before the untrusted program is even loaded, and it is
 * inherited by every child and kept across execve. Refused with EPERM:
 *   - unshare, setns; clone with any CLONE_NEW* flag (clone3 answers ENOSYS, so libc falls
 *     back to clone, whose flags a filter can read);
 *   - mount, umount2, pivot_root, chroot and the new mount API (fsopen, fsmount, move_mount...);
 *   - ptrace and cross-process memory access, bpf, perf_event_open, userfaultfd, keyctl,
 *     io_uring (its operations bypass seccomp), module loading, kexec, reboot, swap, acct.
 * Another architecture's calling convention (i386 int 0x80, x32) kills the process.
 * No dependency: raw BPF from <linux/filter.h> and <linux/seccomp.h>.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__)
#define LB_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define LB_AUDIT_ARCH AUDIT_ARCH_AARCH64
#else
#error "lowbit-seccomp-exec: unsupported architecture"
#endif

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#define NS_FLAGS (CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | \
                  CLONE_NEWNET | CLONE_NEWTIME)

/* syscalls refused outright (a name this kernel's headers lack is skipped) */
static const int refused[] = {
    SYS_unshare, SYS_setns, SYS_mount, SYS_umount2, SYS_pivot_root, SYS_chroot,
#ifdef SYS_open_tree
    SYS_open_tree, SYS_move_mount, SYS_fsopen, SYS_fsconfig, SYS_fsmount, SYS_fspick,
#endif
#ifdef SYS_mount_setattr
    SYS_mount_setattr,
#endif
    SYS_ptrace, SYS_process_vm_readv, SYS_process_vm_writev, SYS_kcmp,
    SYS_bpf, SYS_perf_event_open, SYS_userfaultfd, SYS_keyctl, SYS_add_key, SYS_request_key,
#ifdef SYS_io_uring_setup
    SYS_io_uring_setup, SYS_io_uring_enter, SYS_io_uring_register,
#endif
    SYS_init_module, SYS_finit_module, SYS_delete_module, SYS_kexec_load,
#ifdef SYS_kexec_file_load
    SYS_kexec_file_load,
#endif
    SYS_reboot, SYS_swapon, SYS_swapoff, SYS_acct,
};
#define N_REFUSED (sizeof refused / sizeof refused[0])

#define LOAD(field) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, field))
#define RET(v) BPF_STMT(BPF_RET | BPF_K, (v))

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: lowbit-seccomp-exec PROGRAM [ARGS...]\n");
        return 2;
    }
    /* layout: arch check (4), x32 check (2), clone3 (2), clone flags (5), the refused list (2 each), allow */
    struct sock_filter f[16 + 2 * N_REFUSED];
    size_t n = 0;
    f[n++] = (struct sock_filter)LOAD(arch);
    f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, LB_AUDIT_ARCH, 1, 0);
    f[n++] = (struct sock_filter)RET(SECCOMP_RET_KILL_PROCESS);
    f[n++] = (struct sock_filter)LOAD(nr);
#if defined(__x86_64__)
    /* x32 numbers (bit 30 set) reach the same kernel entries under other numbers */
    f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000u, 0, 1);
    f[n++] = (struct sock_filter)RET(SECCOMP_RET_KILL_PROCESS);
#endif
#ifdef SYS_clone3
    f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone3, 0, 1);
    f[n++] = (struct sock_filter)RET(SECCOMP_RET_ERRNO | ENOSYS);
#endif
    /* clone(flags, ...): flags are the first argument on x86-64 and arm64 (low 32 bits hold them all) */
    f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone, 0, 4);
    f[n++] = (struct sock_filter)LOAD(args[0]);
    f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, NS_FLAGS, 0, 1);
    f[n++] = (struct sock_filter)RET(SECCOMP_RET_ERRNO | EPERM);
    f[n++] = (struct sock_filter)RET(SECCOMP_RET_ALLOW);
    for (size_t i = 0; i < N_REFUSED; i++) {
        f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)refused[i], 0, 1);
        f[n++] = (struct sock_filter)RET(SECCOMP_RET_ERRNO | EPERM);
    }
    f[n++] = (struct sock_filter)RET(SECCOMP_RET_ALLOW);

    struct sock_fprog prog = {.len = (unsigned short)n, .filter = f};
    /* no-new-privs: required to install a filter without CAP_SYS_ADMIN, and no setuid binary may
       shed the filter's restrictions by gaining privileges */
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        fprintf(stderr, "lowbit-seccomp-exec: PR_SET_NO_NEW_PRIVS: %s\n", strerror(errno));
        return 126;
    }
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog) != 0) {
        fprintf(stderr, "lowbit-seccomp-exec: seccomp: %s\n", strerror(errno));
        return 126;
    }
    execvp(argv[1], argv + 1);
    fprintf(stderr, "lowbit-seccomp-exec: %s: %s\n", argv[1], strerror(errno));
    return 127;
}
