"""A QEMU driver: boot Pagoda, talk to its shell, notice when it goes wrong.

    m = Machine("build/kernel/kernel.elf", "build/fs.img", memory="512M", cpus=2)
    m.boot()                      # up to the first shell prompt
    out = m.run("echo hi | wc")   # what the command printed
    m.monitor("info registers")   # QEMU's monitor, beside the console
    status = m.poweroff()         # `halt`; QEMU's exit status
    m.kill()                      # always safe, also after a failure

Each boot gets a private copy of the disk image (unless private_image=False),
its own monitor socket and a console log file that is kept. Every wait watches for the ways a kernel
goes wrong: a hang (timeout), a `panic:` line, a second OpenSBI banner (a
reboot) and QEMU exiting. Any of them ends the machine and raises
MachineError naming what happened, the last console lines and the log.

Timeouts given to the methods are base values for a reference host; each is
multiplied by the machine's time_factor (see calibrate()) and never drops
below MIN_TIMEOUT.

For GDB (`make grade-gdb`, pytest --gdb PORT), a machine with a gdb_port
starts QEMU paused (-S -gdb tcp::PORT) with panic=spin added to its
bootargs, prints the gdb command to attach, waits without timeouts, and on
a failure leaves QEMU running until it exits (quit it from gdb with `kill`)
so the failing state can be inspected. The port comes from the gdb_port
argument or, by default, from $PAGODA_GDB_PORT, which the --gdb option
sets, so that every machine a test makes is paused, however it is made.

Each machine draws a random run token (m.token) and boots with
grader.token=<hex>: the kernel ends its KTAP result lines with it, and lab
tests give it to lab test programs (expect.with_token), so verdicts can be
told from canned output (grader/expect.py, the run token). token=False
boots without one.
"""
import atexit
import fcntl
import json
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import sys
import tempfile
import time
import weakref

import pexpect

from . import expect

QEMU_BINARY = "qemu-system-riscv64"
DEFAULT_MEMORY = "512M"
DEFAULT_CPUS = 2
DEFAULT_LOG_DIR = os.path.join("build", "logs")

# Base timeouts in seconds on the reference host (see calibrate()).
BOOT_TIMEOUT = 60
COMMAND_TIMEOUT = 30
EXIT_TIMEOUT = 30
MONITOR_TIMEOUT = 10
SLOT_TIMEOUT = 600          # waiting for another test's QEMU to finish
# Boot slots shared by several pytest runs (grader/batch.py grading a class):
# the folder of their lock files, and how many QEMUs may run at once.
SLOTS_DIR_ENV = "PAGODA_BOOT_SLOTS"
MAX_BOOTS_ENV = "PAGODA_MAX_BOOTS"
MIN_TIMEOUT = 5.0           # no wait is ever shorter than this

# Calibration: the reference host boots the default machine in about this
# long; a slower host stretches every timeout by the ratio, within bounds.
REFERENCE_BOOT_SECONDS = 1.0   # measured: 0.5 s on a 2-core CI machine
MIN_FACTOR = 1.0            # a fast host never shortens the base timeouts
MAX_FACTOR = 10.0           # a freak slow calibration must not mean hour-long hangs
CALIBRATION_FILE = "calibration.json"

TAIL_LINES = 30             # console lines quoted in a failure message
READ_CHUNK = 65536          # bytes per console read
POLL_SECONDS = 0.1          # how often a wait looks at the process
PANIC_GRACE_SECONDS = 2.0   # time to collect the backtrace after a panic line
REAP_SECONDS = 10.0         # for QEMU to finish exiting after its console closed
MONITOR_PROMPT = "(qemu) "
TOKEN_BYTES = 8             # the run token: 16 hex digits
CONSOLE_LIMIT = 16 << 20    # characters of console a boot may print (kept in memory and log)

# GDB: the environment variable behind pytest --gdb, what the kernel needs
# to stay put after a panic, and a wait long enough to mean "no timeout"
# while a person drives the debugger.
GDB_PORT_ENV = "PAGODA_GDB_PORT"
GDB_BOOTARGS = "panic=spin"
GDB_TIMEOUT = 7 * 24 * 3600.0
GDB_CLIENT = "gdb-multiarch"

# Kinds of failure, as MachineError.kind.
HANG = "hang/timeout"
PANIC = "panic"
REBOOT = "reboot"
EXIT = "unexpected exit"
FLOOD = "console flood"

_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_PANIC_RE = re.compile(expect.PANIC)
_BANNER_RE = re.compile(expect.OPENSBI_BANNER)
_PROMPT_RE = re.compile(expect.PROMPT_AT_LINE_START, re.MULTILINE)

# Every machine not yet killed, so an exiting interpreter can end them.
_live_machines = weakref.WeakSet()


class ConfigError(Exception):
    """A machine that cannot even be started: a missing file or tool."""


class MachineError(AssertionError):
    """The guest hung, panicked, rebooted or QEMU exited unexpectedly.

    An AssertionError so pytest reports it as a test failure. kind is one
    of HANG, PANIC, REBOOT, EXIT, FLOOD; log_path is the console log (cut
    at the machine's console_limit).
    """

    def __init__(self, kind, detail, log_path, tail, status=None):
        self.kind = kind
        self.detail = detail
        self.log_path = log_path
        self.tail = tail
        self.status = status
        quoted = "\n".join("    | " + line for line in tail) or "    (no output)"
        super().__init__(f"QEMU {kind}: {detail}\n"
                         f"  console log: {log_path}\n"
                         f"  last {len(tail)} console lines:\n{quoted}")


def scaled(base, factor):
    """A timeout for this host: base * factor, never below MIN_TIMEOUT."""
    return max(MIN_TIMEOUT, base * factor)


def gdb_port_from_env():
    """The port named by $PAGODA_GDB_PORT, or None when unset or empty."""
    value = os.environ.get(GDB_PORT_ENV, "").strip()
    if not value:
        return None
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise ConfigError(f"{GDB_PORT_ENV}={value!r}: not a TCP port (1-65535)")
    return int(value)


def safe_name(text):
    """A file-name-safe form of a test name such as test_x[2-512M]."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_") or "machine"


def process_gone(pid):
    """True when pid no longer runs (a zombie waiting for its parent counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return True
    return state == "Z"


class BootSlots:
    """At most `count` QEMUs at once across every process sharing `directory`.

    Each slot is a lock file held with flock() for the machine's lifetime;
    the kernel drops the lock if its holder dies, so a crash frees the slot.
    """

    def __init__(self, directory, count):
        if count < 1:
            raise ConfigError(f"need at least one QEMU slot, got {count}")
        self.directory = directory
        self.count = count

    def acquire(self, timeout):
        """The fd of a free slot's lock file; waits up to timeout seconds."""
        os.makedirs(self.directory, exist_ok=True)
        deadline = time.monotonic() + timeout
        while True:
            for i in range(self.count):
                fd = self._try_lock(os.path.join(self.directory, f"slot-{i}.lock"))
                if fd is not None:
                    return fd
            if time.monotonic() >= deadline:
                raise ConfigError(f"no free QEMU slot in {self.directory} after "
                                  f"{timeout:.0f}s ({self.count} allowed at once)")
            time.sleep(POLL_SECONDS)

    @staticmethod
    def _try_lock(path):
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        return fd

    @staticmethod
    def release(fd):
        os.close(fd)   # closing drops the flock


class Machine:
    """One QEMU virt machine running Pagoda, driven through its console."""

    def __init__(self, kernel, image=None, *, memory=DEFAULT_MEMORY,
                 cpus=DEFAULT_CPUS, bootargs="", dtb=None, extra_args=(),
                 qemu=QEMU_BINARY, name="machine", log_path=None,
                 log_dir=DEFAULT_LOG_DIR, time_factor=MIN_FACTOR, slots=None,
                 gdb_port=None, private_image=True, token=True,
                 console_limit=CONSOLE_LIMIT):
        """gdb_port: wait for gdb on this TCP port; None takes
        $PAGODA_GDB_PORT (pytest --gdb), 0 never waits for gdb.
        private_image=False boots on image itself, so that what the guest
        writes stays for the next boot (crash tests make their own copy).
        token=False: no run token (m.token is None, no grader.token=).
        A console printing more than console_limit characters is a FLOOD
        failure: its log stops there instead of filling the disk."""
        self.kernel = kernel
        self.image = image
        self.private_image = private_image
        self.memory = str(memory)
        self.cpus = int(cpus)
        self.bootargs = bootargs
        self.dtb = dtb
        self.extra_args = list(extra_args)
        self.qemu = qemu
        self.name = safe_name(name)
        self.log_dir = log_dir
        self.log_path = log_path
        self.time_factor = time_factor
        self.slots = slots
        self.gdb_port = gdb_port_from_env() if gdb_port is None else int(gdb_port)
        self.token = secrets.token_hex(TOKEN_BYTES) if token else None
        self.console_limit = console_limit
        self._flooded = False
        self._child = None
        self._log = None
        self._tmpdir = None
        self._slot_fd = None
        self._text = ""        # the whole console output, without \r
        self._pos = 0          # where the next wait starts looking
        self._scan = 0         # first character not yet checked for failures
        self._banners = 0
        self._events = []      # (position, kind, line) of panics and reboots
        self._eof = False
        self._failure = None
        self._status = None

    # ---- life cycle ---------------------------------------------------------

    def command(self):
        """The QEMU command line (paths of the private copies once started)."""
        image = self._private_image or self.image
        cmd = [self.qemu, "-machine", "virt", "-bios", "default",
               "-kernel", self.kernel, "-m", self.memory, "-smp", str(self.cpus),
               "-nographic", "-global", "virtio-mmio.force-legacy=false"]
        if image:
            cmd += ["-drive", f"file={image},if=none,format=raw,id=disk0",
                    "-device", "virtio-blk-device,drive=disk0,bus=virtio-mmio-bus.0"]
        cmd += ["-append", self._bootargs()]
        if self.dtb:
            cmd += ["-dtb", self.dtb]
        if self._tmpdir:
            cmd += ["-monitor", f"unix:{self.monitor_socket},server=on,wait=off"]
        if self.gdb_port:
            cmd += ["-S", "-gdb", f"tcp::{self.gdb_port}"]
        return cmd + self.extra_args

    def _bootargs(self):
        """The run token, and under gdb what keeps the machine after a
        panic instead of powering it off."""
        words = [self.bootargs]
        if self.token:
            words.append(expect.TOKEN_BOOTARG.format(token=self.token))
        if self.gdb_port:
            words.append(GDB_BOOTARGS)
        return " ".join(w for w in words if w)

    def gdb_command(self):
        """The shell command that attaches gdb to this machine."""
        return shlex.join([GDB_CLIENT, self.kernel, "-ex", f"target remote :{self.gdb_port}"])

    def timeout(self, base):
        """Seconds this machine waits for a base timeout: scaled to the
        host, or effectively forever while it waits on a person with gdb."""
        return GDB_TIMEOUT if self.gdb_port else scaled(base, self.time_factor)

    @property
    def _private_image(self):
        if self._tmpdir and self.image and self.private_image:
            return os.path.join(self._tmpdir, os.path.basename(self.image))
        return None

    @property
    def monitor_socket(self):
        return os.path.join(self._tmpdir, "monitor.sock") if self._tmpdir else None

    @property
    def pid(self):
        return self._child.pid if self._child else None

    @property
    def output(self):
        """Everything the console printed so far (\\r removed)."""
        return self._text

    def start(self):
        """Start QEMU without waiting for anything."""
        if self._child or self._failure:
            raise ConfigError("a Machine can be started only once")
        self._check_inputs()
        if self.slots:
            self._slot_fd = self.slots.acquire(self.timeout(SLOT_TIMEOUT))
        try:
            self._tmpdir = tempfile.mkdtemp(prefix="pagoda-qemu-")
            if self._private_image:
                shutil.copyfile(self.image, self._private_image)
            self._open_log()
            self._spawn()
        except BaseException:
            self._cleanup()
            raise
        if self.gdb_port:
            self._say(f"QEMU is paused, waiting for gdb on port {self.gdb_port}; attach with\n"
                      f"    {self.gdb_command()}\n  console log: {self.log_path}")
        return self

    @staticmethod
    def _say(text):
        """Tell the person at the terminal (gdb mode only: pytest -s shows it)."""
        print(f"\nqemu: {text}", file=sys.stderr, flush=True)

    def boot(self, timeout=BOOT_TIMEOUT):
        """Start QEMU and wait for the first shell prompt."""
        self.start()
        deadline = time.monotonic() + self.timeout(timeout)
        self._wait_for(re.compile(re.escape(expect.INIT_STARTING_SH)), deadline,
                       f"'{expect.INIT_STARTING_SH}'")
        self._wait_for(_PROMPT_RE, deadline, "the first shell prompt")
        return self

    def kill(self):
        """End QEMU and everything in its process group; safe to repeat."""
        if self._child and not self._child.terminated:
            try:
                os.killpg(self._child.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self._reap(time.monotonic() + REAP_SECONDS)
        self._cleanup()

    close = kill

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.kill()
        return False

    # ---- console ----------------------------------------------------------

    def send(self, line):
        """Type one line on the console."""
        self._require_running()
        try:
            self._child.send(line + "\n")
        except OSError:
            # The pty has no other end: QEMU is gone. Say how it ended.
            self._collect(REAP_SECONDS)
            what = f"the console to take {line!r}"
            self._check_failures(len(self._text), what)
            self._fail_exit(what)

    def expect(self, pattern, timeout=COMMAND_TIMEOUT):
        """Wait for a regular expression (re.MULTILINE) in new console output."""
        deadline = time.monotonic() + self.timeout(timeout)
        return self._wait_for(re.compile(pattern, re.MULTILINE), deadline,
                              f"/{pattern}/")

    def run(self, command, timeout=COMMAND_TIMEOUT):
        """Run a shell command; returns what it printed before the next prompt."""
        deadline = time.monotonic() + self.timeout(timeout)
        self.send(command)
        self._wait_for(re.compile(re.escape(command) + r"\n"), deadline,
                       f"the shell to echo {command!r}")
        start = self._pos
        prompt = self._wait_for(_PROMPT_RE, deadline,
                                f"the prompt after {command!r}")
        return self._text[start:prompt.start()]

    def poweroff(self, timeout=EXIT_TIMEOUT):
        """Type `halt` and wait for QEMU to exit; returns its exit status."""
        self.send("halt")
        return self.wait_exit(timeout)

    def wait_exit(self, timeout=EXIT_TIMEOUT):
        """Wait for QEMU to exit by itself; its exit status (or -signal)."""
        deadline = time.monotonic() + self.timeout(timeout)
        while not self._eof:
            self._check_failures(len(self._text), "QEMU to exit")
            if time.monotonic() >= deadline:
                self._fail(HANG, "QEMU did not exit", "QEMU to exit")
            self._read(deadline)
        self._check_failures(len(self._text), "QEMU to exit")
        status = self._reap(time.monotonic() + REAP_SECONDS)
        self._cleanup()
        return status

    # ---- monitor ----------------------------------------------------------

    def freeze(self, drain_seconds=0.5):
        """Stop the guest's harts at once (a power cut, for crash tests; then
        kill()), and read what the console printed before that moment."""
        self.monitor("stop")
        self._collect(drain_seconds)

    def monitor(self, command, timeout=MONITOR_TIMEOUT):
        """Run a QEMU monitor command; returns its output."""
        self._require_running()
        deadline = time.monotonic() + self.timeout(timeout)
        with self._monitor_connect(deadline) as sock:
            self._monitor_until_prompt(sock, deadline, "the monitor greeting")
            sock.sendall(command.encode() + b"\n")
            reply = self._monitor_until_prompt(sock, deadline, repr(command))
        # QEMU echoes the command line (with cursor moves) before its answer.
        answer = reply.split("\n", 1)[1] if "\n" in reply else ""
        return answer[:-len(MONITOR_PROMPT)]

    def _monitor_connect(self, deadline):
        while True:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                sock.connect(self.monitor_socket)
                return sock
            except (FileNotFoundError, ConnectionRefusedError):
                sock.close()   # QEMU has not created it yet
            if time.monotonic() >= deadline:
                raise MachineError(HANG, "the QEMU monitor socket never opened",
                                   self.log_path, self._tail())
            time.sleep(POLL_SECONDS)

    def _monitor_until_prompt(self, sock, deadline, what):
        text = ""
        while not text.endswith(MONITOR_PROMPT):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise MachineError(HANG, f"the QEMU monitor did not answer {what}",
                                   self.log_path, self._tail())
            sock.settimeout(remaining)
            try:
                data = sock.recv(READ_CHUNK)
            except socket.timeout:
                continue
            if not data:
                raise MachineError(EXIT, f"the QEMU monitor closed during {what}",
                                   self.log_path, self._tail())
            text += data.decode("utf-8", "replace")
            text = _ANSI_ESCAPE.sub("", text).replace("\r", "")
        return text

    # ---- internals ----------------------------------------------------------

    def _check_inputs(self):
        for what, path in (("kernel", self.kernel), ("disk image", self.image),
                           ("device tree", self.dtb)):
            if path is not None and not os.path.isfile(path):
                raise ConfigError(f"{what} not found: {path} (run `make` first?)")
        if shutil.which(self.qemu) is None:
            raise ConfigError(f"QEMU not found: {self.qemu} "
                              "(scripts/install-deps installs qemu-system-misc)")

    def _open_log(self):
        if self.log_path is None:
            self.log_path = _new_log_path(self.log_dir, self.name)
        else:
            os.makedirs(os.path.dirname(self.log_path) or ".", exist_ok=True)
        self._log = open(self.log_path, "w", encoding="utf-8")
        self._log.write("# " + shlex.join(self.command()) + "\n")
        self._log.flush()

    def _spawn(self):
        # pexpect gives QEMU a pty as its console and makes it the leader of a
        # new session and process group: kill() ends the whole group, and if
        # this process dies the closed pty sends QEMU SIGHUP.
        cmd = self.command()
        self._child = pexpect.spawn(cmd[0], cmd[1:], echo=False, encoding="utf-8",
                                    codec_errors="replace")
        # Reaping is done here, bounded; pexpect need not sleep on close.
        self._child.delayafterclose = 0
        self._child.ptyproc.delayafterclose = 0
        _live_machines.add(self)

    def _require_running(self):
        if self._failure:
            raise self._failure
        if not self._child or self._child.terminated or self._eof:
            raise ConfigError("the machine is not running")

    def _wait_for(self, regex, deadline, what):
        """The first match of regex in new output, or a MachineError."""
        if self._failure:
            raise self._failure
        while True:
            match = regex.search(self._text, self._pos)
            self._check_failures(match.end() if match else len(self._text), what)
            if match:
                self._pos = match.end()
                return match
            if self._eof:
                self._fail_exit(what)
            if time.monotonic() >= deadline:
                self._fail(HANG, f"no {what} in time", what)
            self._read(deadline)

    def _read(self, deadline):
        """Append whatever the console says within one poll interval."""
        wait = max(0.0, min(POLL_SECONDS, deadline - time.monotonic()))
        try:
            data = self._child.read_nonblocking(READ_CHUNK, timeout=wait)
        except pexpect.TIMEOUT:
            # QEMU may be gone while a child of it still holds the pty open.
            if not self._child.isalive():
                self._drain()
                self._eof = True
            return
        except pexpect.EOF:
            self._eof = True
            self._scan_rest()
            return
        self._append(data)

    def _drain(self):
        """Take what a process that just exited left in the pty."""
        while True:
            try:
                self._append(self._child.read_nonblocking(READ_CHUNK, timeout=0))
            except (pexpect.TIMEOUT, pexpect.EOF):
                self._scan_rest()
                return

    def _append(self, data):
        data = data.replace("\r", "")
        room = self.console_limit - len(self._text)
        if len(data) > room:
            data = data[:max(0, room)]
            if not self._flooded:
                self._flooded = True
                self._log.write(f"\n[console cut at {self.console_limit} characters]\n")
        self._text += data
        self._log.write(data)
        self._log.flush()
        self._scan_lines()

    def _scan_lines(self):
        while True:
            end = self._text.find("\n", self._scan)
            if end < 0:
                return
            self._check_line(self._text[self._scan:end], self._scan)
            self._scan = end + 1

    def _scan_rest(self):
        if self._scan < len(self._text):
            self._check_line(self._text[self._scan:], self._scan)
            self._scan = len(self._text)

    def _check_line(self, line, pos):
        if _PANIC_RE.match(line):
            self._events.append((pos, PANIC, line))
        if _BANNER_RE.match(line):
            self._banners += 1
            if self._banners > 1:
                self._events.append((pos, REBOOT, line))

    def _check_failures(self, limit, what):
        """Fail if a panic or reboot shows before position limit, or the
        console printed more than it may."""
        if self._flooded:
            self._fail(FLOOD, f"the console printed more than {self.console_limit} "
                              "characters", what)
        for pos, kind, line in self._events:
            if pos >= limit:
                continue
            if kind == PANIC:
                self._collect(PANIC_GRACE_SECONDS)
                self._fail(PANIC, f"the kernel panicked ({line.strip()!r})", what)
            self._fail(REBOOT, "OpenSBI started again: the machine reset", what)

    def _collect(self, seconds):
        """Keep reading for a while (a backtrace follows a panic line)."""
        deadline = time.monotonic() + seconds
        while not self._eof and time.monotonic() < deadline:
            self._read(deadline)

    def _fail_exit(self, what):
        status = self._reap(time.monotonic() + REAP_SECONDS)
        self._fail(EXIT, f"QEMU exited with status {status}", what, status)

    def _fail(self, kind, detail, what, status=None):
        if self.gdb_port:
            self._hold_for_gdb(kind, detail)
        self.kill()
        self._failure = MachineError(kind, f"{detail} (while waiting for {what})",
                                     self.log_path, self._tail(), status)
        raise self._failure

    def _hold_for_gdb(self, kind, detail):
        """Keep a failed machine for the person debugging it, until QEMU
        exits (gdb's `kill`, or Ctrl-C here ends it through kill())."""
        if self._eof or not self._child or self._child.terminated:
            return
        self._say(f"{kind}: {detail}\n  QEMU is kept for gdb; end it from gdb with "
                  f"'kill' (or Ctrl-C here)")
        while not self._eof:
            self._read(time.monotonic() + POLL_SECONDS)

    def _tail(self):
        return self._text.rstrip("\n").split("\n")[-TAIL_LINES:] if self._text else []

    def _reap(self, deadline):
        """Wait (bounded) for QEMU to be gone; its exit status or -signal."""
        while self._child.isalive():
            if time.monotonic() >= deadline:
                os.killpg(self._child.pid, signal.SIGKILL)
                deadline = time.monotonic() + REAP_SECONDS
            time.sleep(POLL_SECONDS / 10)
        if self._child.signalstatus is not None:
            self._status = -self._child.signalstatus
        else:
            self._status = self._child.exitstatus
        return self._status

    def _cleanup(self):
        """Close files, drop the private copies, free the slot (idempotent)."""
        if self._child is not None and not self._child.closed:
            self._child.close(force=True)
        if self._log is not None:
            self._log.close()
            self._log = None
        if self._tmpdir is not None:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None
        if self._slot_fd is not None:
            BootSlots.release(self._slot_fd)
            self._slot_fd = None
        _live_machines.discard(self)


class MachinePool:
    """Machines for one test, named <test>-<n>.log; kill_all() ends them all."""

    def __init__(self, test_name, log_dir=DEFAULT_LOG_DIR, **defaults):
        self.test_name = safe_name(test_name)
        self.log_dir = log_dir
        self.defaults = defaults
        self.machines = []

    def create(self, **options):
        """A new, not yet started machine (options override the defaults)."""
        n = len(self.machines) + 1
        log_path = os.path.join(self.log_dir, f"{self.test_name}-{n}.log")
        machine = Machine(**{**self.defaults, **options, "name": self.test_name,
                             "log_path": log_path})
        self.machines.append(machine)
        return machine

    def boot(self, **options):
        """A new machine, booted to the shell prompt."""
        return self.create(**options).boot()

    @property
    def log_paths(self):
        return [m.log_path for m in self.machines if m.log_path]

    def kill_all(self):
        """Kill every machine, even if killing one of them fails."""
        errors = []
        for machine in self.machines:
            try:
                machine.kill()
            except Exception as e:   # keep going: the others must die too
                errors.append(e)
        if errors:
            raise errors[0]


def _new_log_path(log_dir, name):
    """log_dir/name-N.log for the first N not yet used (safe across processes)."""
    os.makedirs(log_dir, exist_ok=True)
    n = 1
    while True:
        path = os.path.join(log_dir, f"{name}-{n}.log")
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
            return path
        except FileExistsError:
            n += 1


def _host_id():
    """What a cached calibration belongs to: this host and this QEMU."""
    return {"host": os.uname().nodename, "cpus": os.cpu_count(),
            "qemu": shutil.which(QEMU_BINARY)}


def calibrate(kernel, image, log_dir=DEFAULT_LOG_DIR, qemu=QEMU_BINARY):
    """The time factor for this host, from one timed boot (cached in log_dir).

    The default machine is booted to its prompt once; factor = boot seconds /
    REFERENCE_BOOT_SECONDS, kept within [MIN_FACTOR, MAX_FACTOR]. The result
    is cached in log_dir/calibration.json and reused while the host is the
    same. Raises MachineError if that boot fails (nothing is cached then).
    """
    os.makedirs(log_dir, exist_ok=True)
    path = os.path.join(log_dir, CALIBRATION_FILE)
    with open(path + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)   # one calibration even with many workers
        cached = _read_calibration(path)
        if cached is not None:
            return cached
        seconds = _time_one_boot(kernel, image, log_dir, qemu)
        # Rounded before use, so the cached value is the one returned now.
        factor = round(min(MAX_FACTOR, max(MIN_FACTOR, seconds / REFERENCE_BOOT_SECONDS)), 3)
        record = {"boot_seconds": round(seconds, 3),
                  "reference_seconds": REFERENCE_BOOT_SECONDS,
                  "factor": factor, **_host_id()}
        with open(path, "w") as f:
            json.dump(record, f, indent=2)
        return factor


def _read_calibration(path):
    try:
        with open(path) as f:
            record = json.load(f)
        if all(record.get(k) == v for k, v in _host_id().items()):
            return float(record["factor"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass   # missing or damaged: calibrate again
    return None


def _time_one_boot(kernel, image, log_dir, qemu):
    machine = Machine(kernel, image, qemu=qemu, name="calibration",
                      log_path=os.path.join(log_dir, "calibration.log"),
                      time_factor=MAX_FACTOR, gdb_port=0)   # never paused: it measures
    try:
        started = time.monotonic()
        machine.boot()
        return time.monotonic() - started
    finally:
        machine.kill()


@atexit.register
def _kill_leftovers():
    for machine in list(_live_machines):
        machine.kill()
