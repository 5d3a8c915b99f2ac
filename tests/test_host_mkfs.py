"""Host tests of mkfs (builds file-system images), fsck (checks them) and
the kernel's file-system code run on the host.

The images are read back here with a small Python model of the on-disk
format in kernel/include/fs_format.h, so a file that mkfs stores through
the double-indirect block is checked byte for byte. fsck must pass every
image mkfs makes and name each kind of damage done to one.

tests/host/test_fs runs kernel/fs/*.c (buffer cache, log, inodes,
directories, files, pipes, the file system calls) against stand-ins for
the rest of the kernel, with AddressSanitizer and UBSan: each scenario
checks the system calls' results and errors, fsck checks the image it
leaves, and the crash sweep cuts the power at many disk writes and checks
that recovery always leaves a consistent image; the I/O-error sweep fails
one disk request at a time instead and checks the same. FS_CRASH_FULL=1
sweeps every write (a few minutes).

Run from the repository root:  /usr/bin/python3 -m pytest tests/test_host_mkfs.py
"""
import fcntl
import os
import struct
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / os.environ.get("B", "build")
MKFS = BUILD / "mkfs" / "mkfs"
FSCK = BUILD / "mkfs" / "fsck"
FS_HARNESS = BUILD / "host" / "test_fs"
TIMEOUT = 120
SWEEP_TIMEOUT = 1800

# ---- the on-disk format (kernel/include/fs_format.h) ----------------------
BSIZE = 1024
FSMAGIC = 0x50474F44
ROOTINO = 1
SB_BLOCKNO = 1
NDIRECT = 11
NINDIRECT = BSIZE // 4
MAXFILE = NDIRECT + NINDIRECT + NINDIRECT * NINDIRECT
SUPERBLOCK = struct.Struct("<8I")      # magic size nblocks ninodes nlog logstart inodestart bmapstart
DINODE = struct.Struct("<4hI13I")      # type major minor nlink size addrs[13]
DIRENT = struct.Struct("<H14s")
IPB = BSIZE // DINODE.size
BPB = BSIZE * 8
T_DIR, T_FILE = 1, 2
DIRSIZ = 14
SINGLE_INDIRECT_LIMIT = (NDIRECT + NINDIRECT) * BSIZE   # bytes before double indirect

EXIT_MKFS_ERROR = 2
EXIT_FSCK_PROBLEMS = 1


class Image:
    """An image file, decoded enough to read files and poke at metadata."""

    def __init__(self, path):
        self.path = path
        self.data = bytearray(Path(path).read_bytes())
        (self.magic, self.size, self.nblocks, self.ninodes, self.nlog, self.logstart,
         self.inodestart, self.bmapstart) = SUPERBLOCK.unpack_from(self.data, SB_BLOCKNO * BSIZE)

    def save(self):
        Path(self.path).write_bytes(self.data)

    def block(self, b):
        return self.data[b * BSIZE:(b + 1) * BSIZE]

    def word(self, b, idx):
        return struct.unpack_from("<I", self.data, b * BSIZE + 4 * idx)[0]

    def inode_offset(self, inum):
        return (self.inodestart + inum // IPB) * BSIZE + (inum % IPB) * DINODE.size

    def inode(self, inum):
        fields = DINODE.unpack_from(self.data, self.inode_offset(inum))
        return {"type": fields[0], "major": fields[1], "minor": fields[2],
                "nlink": fields[3], "size": fields[4], "addrs": list(fields[5:])}

    def set_inode_field(self, inum, index, fmt, value):
        """Overwrite one struct dinode field, by its byte offset and format."""
        struct.pack_into(fmt, self.data, self.inode_offset(inum) + index, value)

    def bmap(self, ino, bn):
        addrs = ino["addrs"]
        if bn < NDIRECT:
            return addrs[bn]
        bn -= NDIRECT
        if bn < NINDIRECT:
            return self.word(addrs[NDIRECT], bn)
        bn -= NINDIRECT
        mid = self.word(addrs[NDIRECT + 1], bn // NINDIRECT)
        return self.word(mid, bn % NINDIRECT)

    def read_file(self, inum):
        ino = self.inode(inum)
        out = bytearray()
        for bn in range((ino["size"] + BSIZE - 1) // BSIZE):
            out += self.block(self.bmap(ino, bn))
        return bytes(out[:ino["size"]])

    def entries(self, dir_inum=ROOTINO):
        """[(name, inum, byte offset of the dirent in the image)] of a directory."""
        ino, out = self.inode(dir_inum), []
        for i in range(ino["size"] // DIRENT.size):
            b = self.bmap(ino, i * DIRENT.size // BSIZE)
            off = b * BSIZE + (i * DIRENT.size) % BSIZE
            inum, raw = DIRENT.unpack_from(self.data, off)
            if inum:
                out.append((raw.rstrip(b"\0").decode(), inum, off))
        return out

    def lookup(self, name):
        return next(inum for n, inum, _ in self.entries() if n == name)

    def bitmap_bit(self, b):
        return bool(self.data[(self.bmapstart + b // BPB) * BSIZE + (b % BPB) // 8] & (1 << (b % 8)))

    def set_bitmap_bit(self, b, used):
        off = (self.bmapstart + b // BPB) * BSIZE + (b % BPB) // 8
        if used:
            self.data[off] |= 1 << (b % 8)
        else:
            self.data[off] &= ~(1 << (b % 8)) & 0xFF

    def data_start(self):
        return self.bmapstart + (self.size + BPB - 1) // BPB

    def free_inode(self):
        return next(i for i in range(ROOTINO + 1, self.ninodes) if self.inode(i)["type"] == 0)


# ---- running the tools -----------------------------------------------------

@pytest.fixture(scope="session")
def tools():
    """Build mkfs, fsck and the harness once with make (rules from mk/fs.mk)."""
    BUILD.mkdir(parents=True, exist_ok=True)
    binaries = [MKFS, FSCK, FS_HARNESS]
    targets = [str(b.relative_to(ROOT)) for b in binaries]
    with open(BUILD / ".host-tests.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        res = subprocess.run(["make", "-s", *targets], cwd=ROOT, capture_output=True,
                             text=True, timeout=300)
    if res.returncode != 0 or not all(b.exists() for b in binaries):
        pytest.fail(f"building mkfs, fsck and test_fs failed:\n{res.stdout}{res.stderr}")
    return MKFS, FSCK


def run(cmd, timeout=TIMEOUT, env=None):
    res = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=timeout,
                         env=env)
    # Never a crash: a signal shows up as a negative return code.
    assert res.returncode >= 0, f"{cmd[0]} killed by signal {-res.returncode}"
    return res.returncode, res.stdout + res.stderr


def mkfs(img, *files):
    return run([MKFS, img, *files])


def fsck(img):
    return run([FSCK, img])


def assert_fsck_ok(img):
    rc, out = fsck(img)
    assert rc == 0 and "fsck: OK" in out, out


def assert_fsck_finds(img, *needles):
    rc, out = fsck(img)
    assert rc == EXIT_FSCK_PROBLEMS, out
    assert "fsck: OK" not in out, out
    for needle in needles:
        assert needle in out, f"{needle!r} not in:\n{out}"
    return out


def pattern(n, seed):
    """n bytes that differ in every block, so a misplaced block shows."""
    return bytes((i * 7 + i // BSIZE * 13 + seed) & 0xFF for i in range(n))


@pytest.fixture
def sample(tools, tmp_path):
    """An image with a small file, a big (double-indirect) file and two more."""
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    files = {
        "README": b"Pagoda\n",
        "big": pattern(300 * 1024, 1),
        "cat": pattern(5000, 2),          # from _cat: leading '_' dropped
        "empty": b"",
    }
    (src / "README").write_bytes(files["README"])
    (src / "big").write_bytes(files["big"])
    (src / "sub" / "_cat").write_bytes(files["cat"])
    (src / "empty").write_bytes(files["empty"])
    img = tmp_path / "fs.img"
    rc, out = mkfs(img, src / "README", src / "big", src / "sub" / "_cat", src / "empty")
    assert rc == 0, out
    return img, files


# ---- mkfs builds good images ------------------------------------------------

def test_superblock_layout(sample):
    img = Image(sample[0])
    assert img.magic == FSMAGIC
    assert img.size == 32768 and len(img.data) == img.size * BSIZE
    assert 1000 <= img.ninodes <= 1100
    assert SB_BLOCKNO < img.logstart < img.inodestart < img.bmapstart < img.data_start() < img.size
    assert img.nblocks == img.size - img.data_start()


def test_files_round_trip(sample):
    img_path, files = sample
    img = Image(img_path)
    names = {name for name, _, _ in img.entries()}
    assert names == {".", "..", *files}
    for name, content in files.items():
        inum = img.lookup(name)
        assert img.inode(inum)["type"] == T_FILE
        assert img.inode(inum)["nlink"] == 1
        assert img.read_file(inum) == content, name


def test_big_file_uses_double_indirect(sample):
    img = Image(sample[0])
    big = img.inode(img.lookup("big"))
    assert big["size"] > SINGLE_INDIRECT_LIMIT
    assert big["addrs"][NDIRECT] != 0 and big["addrs"][NDIRECT + 1] != 0


def test_root_directory(sample):
    img = Image(sample[0])
    root = img.inode(ROOTINO)
    assert root["type"] == T_DIR
    entries = img.entries()
    assert entries[0][:2] == (".", ROOTINO) and entries[1][:2] == ("..", ROOTINO)


def test_fsck_accepts_mkfs_images(sample, tools, tmp_path):
    assert_fsck_ok(sample[0])
    empty = tmp_path / "empty.img"
    rc, out = mkfs(empty)
    assert rc == 0, out
    assert_fsck_ok(empty)


def test_name_of_exactly_dirsiz(tools, tmp_path):
    name = "n" * DIRSIZ
    (tmp_path / name).write_bytes(b"x")
    img = tmp_path / "fs.img"
    rc, out = mkfs(img, tmp_path / name)
    assert rc == 0, out
    assert Image(img).read_file(Image(img).lookup(name)) == b"x"
    assert_fsck_ok(img)


# ---- mkfs refuses bad input with a message, exit 2 --------------------------

def assert_mkfs_refuses(img, files, *needles):
    rc, out = mkfs(img, *files)
    assert rc == EXIT_MKFS_ERROR, out
    for needle in needles:
        assert str(needle) in out, f"{needle!r} not in:\n{out}"
    assert not Path(img).exists(), "a failed mkfs must not leave an image"


def test_name_too_long(tools, tmp_path):
    long_file = tmp_path / ("x" * (DIRSIZ + 1))
    long_file.write_bytes(b"data")
    assert_mkfs_refuses(tmp_path / "fs.img", [long_file], long_file, "longer than")


def test_missing_file(tools, tmp_path):
    ok = tmp_path / "ok"
    ok.write_bytes(b"fine")
    missing = tmp_path / "no-such-file"
    assert_mkfs_refuses(tmp_path / "fs.img", [ok, missing], missing, "No such file")


def test_duplicate_names(tools, tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "prog").write_bytes(b"1")
    (tmp_path / "b" / "_prog").write_bytes(b"2")
    assert_mkfs_refuses(tmp_path / "fs.img", [tmp_path / "a" / "prog", tmp_path / "b" / "_prog"],
                        tmp_path / "b" / "_prog", "duplicate")


def test_directory_argument(tools, tmp_path):
    (tmp_path / "dir").mkdir()
    assert_mkfs_refuses(tmp_path / "fs.img", [tmp_path / "dir"], tmp_path / "dir")


def test_image_full(tools, tmp_path):
    huge = tmp_path / "huge"
    with open(huge, "wb") as f:
        f.truncate(33 * 1024 * 1024)
    assert_mkfs_refuses(tmp_path / "fs.img", [huge], huge, "image full")


def test_too_many_files(tools, tmp_path):
    files = []
    for i in range(1100):
        f = tmp_path / f"f{i}"
        f.write_bytes(b"")
        files.append(f)
    rc, out = mkfs(tmp_path / "fs.img", *files)
    assert rc == EXIT_MKFS_ERROR, out
    assert "too many files" in out and "mkfs: " + str(tmp_path / "f") in out, out
    assert not (tmp_path / "fs.img").exists()


def test_usage(tools):
    rc, out = run([MKFS])
    assert rc == EXIT_MKFS_ERROR and "usage" in out, out


# ---- fsck finds damage ------------------------------------------------------

def test_fsck_bitmap_bit_cleared(sample):
    img = Image(sample[0])
    inum = img.lookup("big")
    b = img.inode(inum)["addrs"][0]
    img.set_bitmap_bit(b, False)
    img.save()
    assert_fsck_finds(img.path, f"block {b} used by inode {inum} is free in the bitmap")


def test_fsck_indirect_block_bit_cleared(sample):
    img = Image(sample[0])
    inum = img.lookup("big")
    b = img.inode(inum)["addrs"][NDIRECT + 1]
    img.set_bitmap_bit(b, False)
    img.save()
    assert_fsck_finds(img.path, f"block {b} used by inode {inum} is free in the bitmap")


def test_fsck_dirent_to_free_inode(sample):
    img = Image(sample[0])
    name, inum, off = next(e for e in img.entries() if e[0] == "README")
    free = img.free_inode()
    struct.pack_into("<H", img.data, off, free)
    img.save()
    out = assert_fsck_finds(img.path, f"entry 'README' points to free inode {free}")
    # README's own inode is now in no directory.
    assert f"inode {inum} " in out, out


def test_fsck_bad_magic(sample):
    img = Image(sample[0])
    struct.pack_into("<I", img.data, SB_BLOCKNO * BSIZE, 0x12345678)
    img.save()
    assert_fsck_finds(img.path, "bad magic")


def test_fsck_leak(sample):
    img = Image(sample[0])
    b = img.size - 1
    assert not img.bitmap_bit(b)
    img.set_bitmap_bit(b, True)
    img.save()
    assert_fsck_finds(img.path, f"block {b} is marked in use but unreferenced (leak)")


def test_fsck_block_referenced_twice(sample):
    img = Image(sample[0])
    readme, cat = img.lookup("README"), img.lookup("cat")
    shared = img.inode(readme)["addrs"][0]
    img.set_inode_field(cat, 12, "<I", shared)      # cat's addrs[0]
    img.save()
    out = assert_fsck_finds(img.path, f"block {shared} referenced twice")
    assert "leak" in out, out      # cat's old first block is now unreferenced


def test_fsck_block_out_of_range(sample):
    img = Image(sample[0])
    cat = img.lookup("cat")
    img.set_inode_field(cat, 12 + 4, "<I", img.size + 5)   # cat's addrs[1]
    img.save()
    assert_fsck_finds(img.path, f"inode {cat}: block {img.size + 5} out of range")


def test_fsck_wrong_nlink(sample):
    img = Image(sample[0])
    cat = img.lookup("cat")
    img.set_inode_field(cat, 6, "<h", 2)
    img.save()
    assert_fsck_finds(img.path, f"inode {cat}: nlink 2 but 1 directory entries name it")


def test_fsck_bad_dot_entry(sample):
    img = Image(sample[0])
    _, _, off = img.entries()[0]
    struct.pack_into("<H", img.data, off, img.lookup("cat"))
    img.save()
    assert_fsck_finds(img.path, "'.' points to inode")


def test_fsck_replays_committed_log(sample):
    """A crash after commit, before install: the log holds the good block."""
    img = Image(sample[0])
    readme = img.lookup("README")
    b = img.inode(readme)["addrs"][0]
    good = bytes(img.block(b))
    img.data[b * BSIZE:(b + 1) * BSIZE] = b"\xff" * BSIZE    # half-installed garbage
    log_block = img.logstart + 1
    img.data[log_block * BSIZE:(log_block + 1) * BSIZE] = good
    struct.pack_into("<II", img.data, img.logstart * BSIZE, 1, b)   # n = 1, block[0] = b
    img.save()
    rc, out = fsck(img.path)
    assert rc == 0 and "fsck: OK" in out and "log holds" in out, out


def test_fsck_uncommitted_log_is_ignored(sample):
    """Blocks written to the log without a header are not a transaction."""
    img = Image(sample[0])
    log_block = img.logstart + 1
    img.data[log_block * BSIZE:(log_block + 1) * BSIZE] = b"\xee" * BSIZE
    img.save()
    assert_fsck_ok(img.path)


def test_fsck_truncated_image(sample):
    img = Image(sample[0])
    Path(img.path).write_bytes(bytes(img.data[:BSIZE * 100]))
    assert_fsck_finds(img.path, "superblock: size")


def test_fsck_unreadable(tools, tmp_path):
    rc, out = fsck(tmp_path / "missing.img")
    assert rc == 2 and "missing.img" in out, out


# ---- the kernel's file-system code on the host --------------------------------

def run_harness(img, scenario, env=None):
    rc, out = run([FS_HARNESS, img, scenario], env=env)
    assert "Sanitizer" not in out and "runtime error" not in out, out
    assert "panic:" not in out, out
    assert rc == 0 and f"{scenario}: 0 failures" in out, out
    return out


@pytest.mark.parametrize("scenario", ["basic", "big", "fill", "inodes", "crash"])
def test_kernel_fs_scenario(tools, tmp_path, scenario):
    img = tmp_path / "fs.img"
    assert mkfs(img)[0] == 0
    run_harness(img, scenario)
    assert_fsck_ok(img)


def test_kernel_fs_full_disk_is_consistent(tools, tmp_path):
    """A disk filled up to ENOSPC, and left full, checks clean."""
    img = tmp_path / "fs.img"
    assert mkfs(img)[0] == 0
    run_harness(img, "fill", env={**os.environ, "FILL_KEEP": "1"})
    assert_fsck_ok(img)


def test_kernel_fs_reads_mkfs_files(tools, tmp_path, sample):
    """The kernel code boots on an image with files and keeps it consistent."""
    run_harness(sample[0], "basic")
    assert_fsck_ok(sample[0])
    img = Image(sample[0])
    for name, content in sample[1].items():
        assert img.read_file(img.lookup(name)) == content, name


def sweep(tmp_path, first, last, stride, mode="sweep"):
    img = tmp_path / "fs.img"
    assert mkfs(img)[0] == 0
    rc, out = run([FS_HARNESS, img, mode, FSCK, first, last, stride], timeout=SWEEP_TIMEOUT)
    assert "Sanitizer" not in out and "runtime error" not in out, out
    assert rc == 0 and "0 failures" in out, out
    return out


FULL_SWEEP = os.environ.get("FS_CRASH_FULL") == "1"


def test_crash_recovery_metadata_ops(tools, tmp_path):
    """Power lost during mkdir, link, unlink, truncate and small writes."""
    out = sweep(tmp_path, 0, 520, 1 if FULL_SWEEP else 3)
    assert "crash points checked" in out


def test_crash_recovery_big_file(tools, tmp_path):
    """Power lost while a file grows into the double-indirect blocks."""
    out = sweep(tmp_path, 520, 100000, 1 if FULL_SWEEP else 37)
    assert "(the workload ended)" in out, out


def test_io_errors_leave_a_consistent_image(tools, tmp_path):
    """A disk request fails (a write after reaching the disk) at each point
    of the crash workload in turn: no panic, the file system shuts down
    cleanly where it must (kernel/fs/log.c), and a clean boot mounts the
    image, replays the log and leaves it consistent."""
    out = sweep(tmp_path, 0, 100000, 1 if FULL_SWEEP else 2, mode="ioerr")
    assert "I/O error points checked" in out and "(the workload ended)" in out, out
