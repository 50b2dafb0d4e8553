# The Python side of the sandbox, embedded into the binary and run as
#   python3 -s -S -B -c <this file> cold|zygote <sys.path entries...>
# inside a sandbox the launcher has already built (launcher.h).
#
# cold:   fd 3 holds the code; run it as __main__ and exit.
# zygote: fd 3 is a SOCK_SEQPACKET socket to the supervisor, fd 4 a memfd with
#         the seccomp BPF. Ahead of each request (protocol.h) it forks a child
#         that creates a fresh user namespace and, owned by it, fresh mount,
#         ipc, net, uts, cgroup and pid namespaces, then forks pid 1 of the new
#         pid namespace, which mounts its own /proc, brings up its own
#         loopback and waits for the request. On it, pid 1 mounts a fresh /tmp
#         and /dev/shm with the run's caps, takes the run's pipes, sets
#         rlimits, drops every capability, sets no_new_privs, loads the filter
#         and only then reads and runs the code. Each prepared run serves one
#         request; nothing flows back into the zygote, which never runs
#         untrusted code.
# The cold part uses only built-in modules (sys, builtins, posix): importing
# os alone would add most of a millisecond to every cold run.
import sys

MODE = sys.argv[1]
sys.path[:] = sys.argv[2:]
del sys.argv[1:]

import builtins


def _exit_code(code):
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    try:
        print(code, file=sys.stderr)
    except Exception:
        pass
    return 1


def _run(source):
    """Runs `source` as `python -c` would; returns the exit code."""
    main = type(sys)('__main__')
    main.__builtins__ = builtins
    sys.modules['__main__'] = main
    sys.argv = ['-c']
    try:
        code = compile(source, '<string>', 'exec')
        exec(code, main.__dict__)
    except SystemExit as e:
        return _exit_code(e.code)
    except BaseException as e:
        # Hide this function's frame, as `python -c` shows no runner.
        tb = e.__traceback__.tb_next if e.__traceback__ is not None else None
        e.__traceback__ = tb
        sys.excepthook(type(e), e, tb)
        return 1
    return 0


def _read_all(fd):
    import posix
    chunks = []
    while True:
        chunk = posix.read(fd, 1 << 20)
        if not chunk:
            return b''.join(chunks)
        chunks.append(chunk)


if MODE == 'cold':
    _source = _read_all(3)
    import posix
    posix.close(3)
    del posix
    del _read_all
    raise SystemExit(_run(_source))

# ---- zygote (a cold run's interpreter is given only the text above) ------

import atexit
import ctypes
import os
import fcntl
import io
import resource
import select
import signal
import socket
import struct
import threading

CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS = 0x00020000, 0x02000000, 0x04000000
CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x08000000, 0x10000000, 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
PR_SET_PDEATHSIG, PR_SET_NAME, PR_CAPBSET_DROP = 1, 15, 24
PR_SET_SECCOMP, PR_SET_NO_NEW_PRIVS, PR_CAP_AMBIENT = 22, 38, 47
SECCOMP_MODE_FILTER, PR_CAP_AMBIENT_CLEAR_ALL = 2, 4
SIOCSIFFLAGS, IFF_UP, IFF_LOOPBACK, IFF_RUNNING = 0x8914, 0x1, 0x8, 0x40
REQUEST = struct.Struct('<4sI5Q')
DONE = struct.Struct('<iiqq')
INSIDE_ID = 1000

libc = ctypes.CDLL(None, use_errno=True)


def _check(rc, what):
    if rc != 0:
        err = ctypes.get_errno()
        raise OSError(err, '%s: %s' % (what, os.strerror(err)))


class _SockFprog(ctypes.Structure):
    _fields_ = [('len', ctypes.c_ushort), ('filter', ctypes.c_void_p)]


class _CapHeader(ctypes.Structure):
    _fields_ = [('version', ctypes.c_uint32), ('pid', ctypes.c_int)]


_CapData = ctypes.c_uint32 * 6

_bpf = ctypes.create_string_buffer(_read_all(4) if os.lseek(4, 0, os.SEEK_SET) == 0 else b'')
os.close(4)
_fprog = _SockFprog(len(_bpf.raw) // 8, ctypes.addressof(_bpf))
_ctl = socket.socket(fileno=3)
_LAST_CAP = int(open('/proc/sys/kernel/cap_last_cap').read())


def _mount_tmp(path, size, inodes):
    opts = b'size=%d,nr_inodes=%d,mode=1777' % (size, inodes)
    _check(libc.mount(b'tmpfs', path, b'tmpfs', MS_NOSUID | MS_NODEV, opts), 'mount ' + path.decode())


def _write(path, text):
    with open(path, 'w') as f:
        f.write(text)


def _payload():
    """pid 1 of the next run's pid namespace: ready before the request comes,
    it takes the request off the socket itself and ends in the user's code."""
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    _check(libc.mount(b'proc', b'/proc', b'proc', MS_NOSUID | MS_NODEV | MS_NOEXEC, None), 'mount /proc')
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        fcntl.ioctl(s, SIOCSIFFLAGS, struct.pack('16sH22x', b'lo', IFF_UP | IFF_LOOPBACK | IFF_RUNNING))
    os.setsid()
    msg, fds, _, _ = socket.recv_fds(_ctl, 4096, 8)
    if not msg:
        os._exit(0)  # the supervisor is gone
    if len(msg) != REQUEST.size or len(fds) != 4 or msg[:4] != b'RUN1':
        raise ValueError('malformed request')
    _, _, tmp_bytes, tmp_inodes, cpu_s, fsize, nofile = REQUEST.unpack(msg)
    libc.prctl(PR_SET_NAME, b'python3', 0, 0, 0)
    _mount_tmp(b'/tmp', tmp_bytes, tmp_inodes)
    _mount_tmp(b'/dev/shm', tmp_bytes, tmp_inodes)
    os.chdir('/tmp')
    for target in range(3):
        os.dup2(fds[target], target)
    source = os.pread(fds[3], os.fstat(fds[3]).st_size, 0)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))
    resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s + 1))
    resource.setrlimit(resource.RLIMIT_MEMLOCK, (0, 0))
    resource.setrlimit(resource.RLIMIT_MSGQUEUE, (0, 0))
    resource.setrlimit(resource.RLIMIT_STACK, (8 << 20, 8 << 20))
    for cap in range(_LAST_CAP + 1):
        _check(libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0), 'drop capability bounding set')
    libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    _check(libc.capset(ctypes.byref(_CapHeader(0x20080522, 0)), ctypes.byref(_CapData())), 'capset')
    _check(libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), 'no_new_privs')
    # Everything but 0-2 goes; the socket to the supervisor included.
    os.closerange(3, 1 << 20)
    _check(libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(_fprog), 0, 0), 'seccomp')
    sys.stdin = sys.__stdin__ = open(0, 'r', encoding='utf-8', closefd=False)
    sys.stdout = sys.__stdout__ = open(1, 'w', encoding='utf-8', closefd=False)
    sys.stderr = sys.__stderr__ = open(2, 'w', encoding='utf-8', errors='backslashreplace',
                                       buffering=1, closefd=False)
    rc = _run(source.decode('utf-8', 'surrogateescape'))
    try:
        threading._shutdown()
        atexit._run_exitfuncs()
    except BaseException:
        pass
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            pass
    os._exit(rc & 0xff)


def _prepare_run():
    """A child of the zygote, made before its request arrives: creates the
    run's namespaces, forks its pid 1, reports it, and reports its end."""
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    _check(libc.unshare(CLONE_NEWUSER), 'unshare user namespace')
    _write('/proc/self/setgroups', 'deny')
    _write('/proc/self/uid_map', '%d %d 1' % (INSIDE_ID, INSIDE_ID))
    _write('/proc/self/gid_map', '%d %d 1' % (INSIDE_ID, INSIDE_ID))
    _check(libc.unshare(CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWCGROUP |
                        CLONE_NEWPID), 'unshare namespaces')
    pid = os.fork()
    if pid == 0:
        try:
            _payload()
        except BaseException as e:
            try:
                _ctl.send(b'Esandbox setup failed: %s' % str(e).encode())
            finally:
                os._exit(127)
    pidfd = os.pidfd_open(pid)
    socket.send_fds(_ctl, [b'P'], [pidfd])
    os.close(pidfd)
    _, status, ru = os.wait4(pid, 0)
    cpu_usec = int((ru.ru_utime + ru.ru_stime) * 1e6)
    _ctl.send(b'D' + DONE.pack(status, 0, cpu_usec, ru.ru_maxrss))
    os._exit(0)


def _supervisor_gone():
    readable, _, _ = select.select([_ctl], [], [], 0)
    return bool(readable) and _ctl.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b''


def _serve():
    libc.prctl(PR_SET_NAME, b'ac-sbx-zygote', 0, 0, 0)
    _ctl.send(b'R')
    # One prepared run at a time: it serves the next request, then the
    # zygote prepares another. Its 'P' waits in the socket for that request.
    while True:
        pid = os.fork()
        if pid == 0:
            libc.prctl(PR_SET_NAME, b'ac-sbx-ready', 0, 0, 0)
            try:
                _prepare_run()
            except BaseException as e:
                try:
                    _ctl.send(b'Esandbox setup failed: %s' % str(e).encode())
                finally:
                    os._exit(127)
        _, status = os.waitpid(pid, 0)
        if _supervisor_gone() or os.WIFEXITED(status) and os.WEXITSTATUS(status) == 127:
            os._exit(0)  # gone, or setup fails: the supervisor replaces the slot


try:
    _serve()
except BaseException as e:
    try:
        _ctl.send(b'Ezygote failed: %s' % str(e).encode())
    finally:
        os._exit(1)
