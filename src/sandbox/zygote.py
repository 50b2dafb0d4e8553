# The Python side of the sandbox, embedded into the binary and run as
#   python3 -s -S -B -c <this file> zygote[=modules] <sys.path entries...>
#   python3 -s -S -B /proc/self/fd/4 cold <sys.path entries...>
# inside a sandbox the launcher has already built (launcher.h); fd 4 of a
# cold run holds the part of this file before the zygote's, compiled.
#
# cold:   fd 3 holds the code; run it as __main__ and exit.
# zygote: fd 3 is a SOCK_SEQPACKET socket to the supervisor, fd 4 a memfd with
#         the seccomp BPF. Ahead of each request (protocol.h) it clones pid 1
#         of a fresh user namespace and, owned by it, fresh mount, ipc, net,
#         uts, cgroup and pid namespaces, which mounts its own /proc, brings
#         up its own loopback and forks the program's process, staying its
#         init (_reap).
#         The program's process waits for the request; on it, it mounts a
#         fresh /tmp and /dev/shm with the run's caps, takes the run's pipes,
#         sets rlimits, drops every capability, sets no_new_privs, loads the
#         filter and only then reads and runs the code. Each prepared run serves one
#         request; nothing flows back into the zygote, which never runs
#         untrusted code.
# The cold part uses only built-in modules (sys, builtins, posix): importing
# os alone would add most of a millisecond to every cold run.
import sys

MODE, _, PRELOAD = sys.argv[1].partition('=')  # zygote=mod1,mod2;HEX: import those, run HEX
sys.path[:] = sys.argv[2:]
del sys.argv[1:]

import builtins


# Both paths run a program the way plain `python3 -I` runs a file: the
# bytes are compiled (a BOM and a coding declaration count), SystemExit and
# uncaught exceptions end it with the interpreter's exit codes and messages,
# and the file name is '<string>', as with -c.

def _exit_code(code):
    """The exit status of SystemExit(code), as the interpreter derives it."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code if -(1 << 63) <= code < (1 << 63) else -1  # what fits a C long
    # The interpreter writes str(code) and a newline, ignoring errors of either.
    for text in (code, '\n'):
        try:
            sys.stderr.write(str(text))
        except Exception:
            pass
    return 1


def _unreadable(source):
    """Plain Python's refusal of source it cannot read, where compile() says
    otherwise or nothing; None if the source can be compiled. Not UTF-8 with
    no encoding declared: compile() accepts it in a comment. A NUL byte:
    Python 3.11 reads a file with one erratically; its 3.12 words."""
    if b'\0' in source:
        line = source[:source.index(b'\0')].split(b'\n')
        text = line[-1].decode('utf-8', 'replace').strip()
        return '  File "<string>", line %d\n    %s\nSyntaxError: source code cannot contain null bytes\n' % (
            len(line), text)
    try:
        source.decode('utf-8')
        return None
    except UnicodeDecodeError as e:
        bad = e.start
    if source.startswith(b'\xef\xbb\xbf'):
        return None
    import re
    if any(re.match(rb'^[ \t\f]*#.*?coding[:=]', line) for line in source.split(b'\n', 2)[:2]):
        return None
    return ("SyntaxError: Non-UTF-8 code starting with '\\x%02x' in file <string> on line %d, "
            "but no encoding declared; see https://peps.python.org/pep-0263/ for details\n" % (
                source[bad], source.count(b'\n', 0, bad) + 1))


def _source_error(source, error):
    """Plain Python's words for a bad encoding declaration, where compile()
    words it differently; None for ordinary syntax errors."""
    if error.lineno == 0 and error.msg.startswith(('unknown encoding: ', 'encoding problem: ')):
        return 'SyntaxError: encoding problem: %s\n' % error.msg.split(': ', 1)[1]
    return None


_PRECOMPILED = {}  # source bytes -> their code, from the zygote's trusted preload code (_precompile)


def _run(source):
    """Runs the program `source` (bytes); returns the exit code."""
    main = type(sys)('__main__')
    main.__builtins__ = builtins
    sys.modules['__main__'] = main
    sys.argv = ['-c']
    message = _unreadable(source)
    code = _PRECOMPILED.get(source) if message is None else None
    if message is None and code is None:
        try:
            code = compile(source, '<string>', 'exec')
        except (SyntaxError, ValueError) as e:
            message = _source_error(source, e) if isinstance(e, SyntaxError) else None
            if message is None:
                e.__traceback__ = None  # a compile error shows no runner frame
                sys.excepthook(type(e), e, None)
                return 1
    if message is not None:
        sys.stderr.write(message)
        return 1
    try:
        exec(code, main.__dict__)
    except SystemExit as e:
        return _exit_code(e.code)
    except BaseException as e:
        # Hide this function's frame, as `python -c` shows no runner.
        tb = e.__traceback__.tb_next if e.__traceback__ is not None else None
        e.__traceback__ = tb
        sys.excepthook(type(e), e, tb)
        _INTERRUPTED[0] = isinstance(e, KeyboardInterrupt)
        return 1
    return 0


_INTERRUPTED = [False]  # the program ended in an uncaught KeyboardInterrupt


def _flush_std_streams():
    """Flushes stdout and stderr as the interpreter does at exit; -1 if either fails."""
    status = 0
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is None or stream.closed:
                continue
            stream.flush()
        except BaseException as e:
            if stream is sys.stdout:  # PyErr_WriteUnraisable's words; stderr's failure is silent
                import traceback
                sys.stderr.write('Exception ignored in: %r\n' % stream)
                sys.stderr.write(''.join(traceback.format_exception_only(type(e), e)))
            status = -1
    return status


def _die_interrupted():
    """Ends as the interpreter ends after an uncaught KeyboardInterrupt: its
    exit work (threads joined, atexit run, streams flushed), then death by
    SIGINT, whatever the flush gave."""
    threading = sys.modules.get('threading')
    try:
        if threading is not None:
            threading._shutdown()
        import atexit
        atexit._run_exitfuncs()
    except BaseException:
        pass
    _flush_std_streams()
    import posix, signal
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    posix.kill(posix.getpid(), signal.SIGINT)
    posix._exit(128 + signal.SIGINT)  # as the interpreter, if the signal did not end it


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
    posix.close(4)  # this runner, compiled (launcher.cpp's compile_cold_runner)
    del posix
    del _read_all
    _rc = _run(_source)
    if _INTERRUPTED[0]:
        _die_interrupted()
    raise SystemExit(_rc)

# ---- zygote (a cold run's interpreter is given only the text above) ------

import atexit
import ctypes
import os
import fcntl
import gc
import io
import resource
import select
import signal
import socket
import struct
import threading

CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS = 0x00020000, 0x02000000, 0x04000000
CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x08000000, 0x10000000, 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_BIND = 1, 2, 4, 8, 4096
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_SET_NAME, PR_CAPBSET_DROP = 1, 4, 15, 24
PR_SET_SECCOMP, PR_SET_NO_NEW_PRIVS, PR_CAP_AMBIENT = 22, 38, 47
SECCOMP_MODE_FILTER, PR_CAP_AMBIENT_CLEAR_ALL = 2, 4
SIOCSIFFLAGS, IFF_UP, IFF_LOOPBACK, IFF_RUNNING = 0x8914, 0x1, 0x8, 0x40
REQUEST = struct.Struct('<4sI5Q')
DONE = struct.Struct('<iiqq')
_WALL = 0x40000000  # wait for every child, whatever its exit signal
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
# The stand-ins for /proc files that describe the host, in the base /tmp
# (read-only; root_fs.h): proc.uptime masks /proc/uptime, and so on.
_PROC_MASKS = [(b'/tmp/' + name, b'/proc/' + name[5:].replace(b'.', b'/'))
               for name in sorted(os.listdir(b'/tmp')) if name.startswith(b'proc.')]


def _mount_tmp(path, size, inodes):
    opts = b'size=%d,nr_inodes=%d,mode=1777' % (size, inodes)
    _check(libc.mount(b'tmpfs', path, b'tmpfs', MS_NOSUID | MS_NODEV, opts), 'mount ' + path.decode())


def _write(path, text):
    with open(path, 'w') as f:
        f.write(text)


def _drop_privileges():
    for cap in range(_LAST_CAP + 1):
        _check(libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0), 'drop capability bounding set')
    libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    _check(libc.capset(ctypes.byref(_CapHeader(0x20080522, 0)), ctypes.byref(_CapData())), 'capset')
    _check(libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), 'no_new_privs')


def _reap(program, status_fd):
    """pid 1 of a run, the init of its pid namespace, so the program is not
    (an init ignores the signals it sends itself). As launcher.cpp's
    reaper_main: no signal handler, not dumpable, the program's drops and
    filter; reaps every orphan. When the program ends it kills and reaps
    every other process of the run, so no writer of the run's output is
    left, then writes the run's report (DONE: the program's wait status, the
    CPU time and peak RSS of all it reaped) to `status_fd` and exits. The
    report goes out before this process's own exit, which tears down a copy
    of the zygote and the run's namespaces (about a millisecond): the
    zygote answers 'D' at once and waits for that exit before it prepares
    the next run."""
    libc.prctl(PR_SET_NAME, b'ac-sbx-init', 0, 0, 0)
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # the interpreter's handler would let the program in
    os.closerange(0, status_fd)
    os.closerange(status_fd + 1, 1 << 20)
    _drop_privileges()
    _check(libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(_fprog), 0, 0), 'seccomp')
    while True:
        pid, status, _ = os.wait4(-1, _WALL)
        if pid == program:
            break
    try:
        os.kill(-1, signal.SIGKILL)  # from the init: every process of the namespace but itself
    except ProcessLookupError:
        pass  # none left
    while True:
        try:
            os.wait4(-1, _WALL)
        except ChildProcessError:
            break
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    os.write(status_fd, DONE.pack(status, 0, int((ru.ru_utime + ru.ru_stime) * 1e6), ru.ru_maxrss))
    os._exit(0)


def _payload(status_fd, ready_fd):
    """pid 1 of the next run's pid namespace: ready before the request comes,
    it forks the program's process and stays its init (_reap). The program's
    process warms up (_warm_up), says so on `ready_fd`, takes the request off
    the socket itself and ends in the user's code."""
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    _check(libc.mount(b'proc', b'/proc', b'proc', MS_NOSUID | MS_NODEV | MS_NOEXEC, None), 'mount /proc')
    for source, target in _PROC_MASKS:  # read-only: their file system is
        _check(libc.mount(source, target, None, MS_BIND, None), 'mask ' + target.decode())
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        fcntl.ioctl(s, SIOCSIFFLAGS, struct.pack('16sH22x', b'lo', IFF_UP | IFF_LOOPBACK | IFF_RUNNING))
    libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)  # before the fork: no window for the program
    program = os.fork()
    if program:
        os.close(ready_fd)
        try:
            _reap(program, status_fd)
        finally:
            os._exit(127)
    libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    os.setsid()
    _warm_up()
    os.write(ready_fd, b'r')
    os.close(ready_fd)
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
    resource.setrlimit(resource.RLIMIT_CORE, (1, 1))  # see launcher.cpp: no pipe core dumps
    resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))
    resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s + 1))
    resource.setrlimit(resource.RLIMIT_MEMLOCK, (0, 0))
    resource.setrlimit(resource.RLIMIT_MSGQUEUE, (0, 0))
    resource.setrlimit(resource.RLIMIT_STACK, (8 << 20, 8 << 20))
    _drop_privileges()
    # Everything but 0-2 goes; the socket to the supervisor included.
    os.closerange(3, 1 << 20)
    _check(libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(_fprog), 0, 0), 'seccomp')
    # The interpreter's own streams, made as it makes them (its errors
    # handlers, names and buffering); the zygote's are on /dev/null.
    sys.stdin = sys.__stdin__ = _std_stream(0, 'rb', '<stdin>', _STDIO[0], False)
    sys.stdout = sys.__stdout__ = _std_stream(1, 'wb', '<stdout>', _STDIO[1], False)
    sys.stderr = sys.__stderr__ = _std_stream(2, 'wb', '<stderr>', _STDIO[2], True)
    rc = _run(source)
    if _INTERRUPTED[0]:
        _die_interrupted()
    try:
        threading._shutdown()
        atexit._run_exitfuncs()
    except BaseException:
        pass
    if _flush_std_streams() < 0:
        rc = 120  # as Py_FinalizeEx reports a failed flush
    os._exit(rc & 0xff)


_STDIO = [(f.encoding, f.errors) for f in (sys.stdin, sys.stdout, sys.stderr)]


def _warm_up():
    """Does, on the zygote's /dev/null stdio, what a request does: makes the
    std streams, compiles and runs a program that prints, then runs the
    preload code's rehearsals (_REHEARSALS). The pages of the interpreter
    that this writes (reference counts, caches, allocator arenas:
    copy-on-write after the fork) are copied while the run is prepared, not
    after its request. Leaves nothing a program can see."""
    streams = [_std_stream(fd, 'wb' if fd else 'rb', '<null>', _STDIO[fd], fd == 2) for fd in range(3)]
    exec(compile(b'print(1, file=out)\n', '<string>', 'exec'), {'__builtins__': builtins, 'out': streams[1]})
    for stream in streams[1:]:
        stream.flush()
    for rehearsal in _REHEARSALS:
        try:
            rehearsal()
        except BaseException:
            pass
    sys.stdin, sys.stdout, sys.stderr = sys.__stdin__, sys.__stdout__, sys.__stderr__


def _std_stream(fd, mode, name, encoding_errors, line_buffering):
    buffered = io.open(fd, mode, -1, closefd=False)
    buffered.raw.name = name
    encoding, errors = encoding_errors
    text = io.TextIOWrapper(buffered, encoding, errors, '\n', line_buffering)
    text.mode = mode[0]
    return text


_RUN_NAMESPACES = (CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWCGROUP |
                   CLONE_NEWPID)
CLONE_PIDFD, SYS_clone = 0x1000, 56  # x86_64, the only arch the filter admits
libc.syscall.restype = ctypes.c_long


def _serve_one_run():
    """Clones the next run's pid 1 in fresh namespaces (the user namespace
    first, owning the others), reports it ('P'), waits for it and reports
    the run's end ('D', as soon as pid 1 reports it, before pid 1's own
    exit); True if pid 1 failed to set the run up. A raw
    clone() rather than a fork that unshares and forks again: one process
    less per run. The child is a copy of this single-threaded interpreter,
    as after a fork; it runs _payload only, and the program it forks (with
    os.fork) gets the interpreter's after-fork handling."""
    sync_r, sync_w = os.pipe()
    status_r, status_w = os.pipe()
    ready_r, ready_w = os.pipe()
    pidfd = ctypes.c_int(-1)
    pid = libc.syscall(ctypes.c_long(SYS_clone), ctypes.c_ulong(_RUN_NAMESPACES | CLONE_PIDFD | signal.SIGCHLD),
                       ctypes.c_void_p(0), ctypes.byref(pidfd), ctypes.c_void_p(0), ctypes.c_ulong(0))
    if pid == 0:
        try:
            libc.prctl(PR_SET_NAME, b'ac-sbx-ready', 0, 0, 0)
            os.close(sync_w)
            os.close(status_r)
            os.close(ready_r)
            if os.read(sync_r, 1) != b'x':
                os._exit(0)  # the zygote died before mapping our ids
            os.close(sync_r)
            _payload(status_w, ready_w)
        except BaseException as e:
            try:
                _ctl.send(b'Esandbox setup failed: %s' % str(e).encode())
            finally:
                os._exit(127)
        os._exit(127)
    os.close(sync_r)
    os.close(status_w)
    os.close(ready_w)
    if pid < 0:
        err = ctypes.get_errno()
        raise OSError(err, 'clone the run: %s' % os.strerror(err))
    try:
        _write('/proc/%d/setgroups' % pid, 'deny')
        _write('/proc/%d/uid_map' % pid, '%d %d 1' % (INSIDE_ID, INSIDE_ID))
        _write('/proc/%d/gid_map' % pid, '%d %d 1' % (INSIDE_ID, INSIDE_ID))
        os.write(sync_w, b'x')
    finally:
        os.close(sync_w)
    # 'P' once the program's process has warmed up (EOF: the setup failed and
    # said so), so the run's counters leave out the warm-up.
    os.read(ready_r, 1)
    os.close(ready_r)
    socket.send_fds(_ctl, [b'P'], [pidfd.value])
    os.close(pidfd.value)
    # pid 1's report (_reap) comes once every process of the run is gone;
    # it is absent when pid 1 was killed (the deadline, an OOM).
    report = os.read(status_r, DONE.size)
    os.close(status_r)
    if len(report) == DONE.size:
        _ctl.send(b'D' + report)
    _, status, ru = os.wait4(pid, 0)  # the namespaces' end: before the next run, after 'D'
    if len(report) != DONE.size:
        cpu_usec = int((ru.ru_utime + ru.ru_stime) * 1e6)
        _ctl.send(b'D' + DONE.pack(status, 0, cpu_usec, ru.ru_maxrss))
    return len(report) != DONE.size and os.WIFEXITED(status) and os.WEXITSTATUS(status) == 127


def _supervisor_gone():
    readable, _, _ = select.select([_ctl], [], [], 0)
    return bool(readable) and _ctl.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b''


# Trusted callables from the preload code (`rehearse(f)`): each prepared run
# calls them before its request, so the pages a typical program of this
# zygote writes are copied then, not after the request (the math tool
# answers a solve and a derivative: its solve took 13 ms after a fork
# without, 7 ms with).
_REHEARSALS = []


def _precompile(source):
    """For the preload code: compiles `source` (bytes) as _run would, and
    keeps it, so a run of exactly those bytes skips the compile."""
    code = _PRECOMPILED[bytes(source)] = compile(bytes(source), '<string>', 'exec')
    return code


def _preload():
    """Imports what every run of this zygote should find imported (trusted
    modules from the interpreter's own path, before any request)."""
    import importlib
    modules, _, code = PRELOAD.partition(';')
    for name in filter(None, modules.split(',')):
        try:
            importlib.import_module(name)
        except Exception:
            pass  # the run's own import reports it
    if code:
        try:
            exec(compile(bytes.fromhex(code), '<preload>', 'exec'),
                 {'__name__': '__preload__', 'precompile': _precompile, 'rehearse': _REHEARSALS.append})
        except BaseException:
            pass
        sys.stdin, sys.stdout, sys.stderr = sys.__stdin__, sys.__stdout__, sys.__stderr__


def _serve():
    libc.prctl(PR_SET_NAME, b'ac-sbx-zygote', 0, 0, 0)
    _preload()
    # Everything imported so far lives as long as the zygote: out of the
    # collector's way, so a run's collections do not write (and so copy)
    # every page of the zygote's heap.
    gc.freeze()
    _ctl.send(b'R')
    # One prepared run at a time: it serves the next request, then the
    # zygote prepares another. Its 'P' waits in the socket for that request.
    while True:
        if _serve_one_run() or _supervisor_gone():
            os._exit(0)  # setup fails, or the supervisor is gone: it replaces the slot

try:
    _serve()
except BaseException as e:
    try:
        _ctl.send(b'Ezygote failed: %s' % str(e).encode())
    finally:
        os._exit(1)
