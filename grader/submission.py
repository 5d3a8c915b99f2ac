"""Taking in one student submission safely (grader/batch.py uses this).

A submission is a git repository (its HEAD commit is graded), a plain
folder, a .tar.gz/.tgz/.tar or a .zip of a student tree. Whatever it is,
unpack() writes its files into an empty folder and refuses, naming the file
and the member, anything that could write outside that folder or fill the
disk: absolute paths, '..' components, symbolic links leading out of the
tree, hard links, devices and fifos, more than MAX_MEMBERS entries or more
than max_bytes of content. Nothing is ever extracted by a library's
"extract all".
"""
import os
import posixpath
import shutil
import stat
import subprocess
import tarfile
import tempfile
import zipfile
import zlib

MAX_BYTES = 256 << 20         # content of one submission, unpacked
MAX_MEMBERS = 50000           # files, folders and links in one submission
COPY_CHUNK = 1 << 20          # bytes per read while copying a member
GIT_TIMEOUT_S = 120
TAR_SUFFIXES = (".tar.gz", ".tgz", ".tar")
ZIP_SUFFIXES = (".zip",)
KINDS = "a git repository, a folder, a .tar.gz, .tgz, .tar or .zip"


class SubmissionError(Exception):
    """A submission that cannot be taken in; the message names the file."""


def display_name(entry):
    """A submission's name: its file name without the archive suffix."""
    base = os.path.basename(entry.rstrip(os.sep))
    for suffix in TAR_SUFFIXES + ZIP_SUFFIXES:
        if base.lower().endswith(suffix) and len(base) > len(suffix):
            return base[:-len(suffix)]
    return base


def kind_of(entry):
    """"git", "folder", "tar" or "zip"; SubmissionError for anything else."""
    if os.path.isdir(entry):
        return "git" if os.path.exists(os.path.join(entry, ".git")) else "folder"
    lower = entry.lower()
    if os.path.isfile(entry) and lower.endswith(TAR_SUFFIXES):
        return "tar"
    if os.path.isfile(entry) and lower.endswith(ZIP_SUFFIXES):
        return "zip"
    raise SubmissionError(f"{entry}: not {KINDS}")


# ---- member checks -----------------------------------------------------------------

def member_path(name, where):
    """The member's path relative to the tree ('./' dropped), or
    SubmissionError for an absolute path or a '..' component."""
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise SubmissionError(f"{where}: member '{name}': absolute path")
    parts = [p for p in name.replace("\\", "/").split("/") if p not in ("", ".")]
    if ".." in parts:
        raise SubmissionError(f"{where}: member '{name}': '..' in its path")
    return "/".join(parts)


def check_link(rel, target, where):
    """A symbolic link must stay inside the tree."""
    if target.startswith("/"):
        raise SubmissionError(f"{where}: symlink '{rel}' -> '{target}': absolute target")
    resolved = posixpath.normpath(posixpath.join(posixpath.dirname(rel), target))
    if resolved == ".." or resolved.startswith("../"):
        raise SubmissionError(f"{where}: symlink '{rel}' -> '{target}' leads out of the tree")


class Budget:
    """Members and bytes left for one submission."""

    def __init__(self, where, max_bytes):
        self.where, self.max_bytes = where, max_bytes
        self.bytes = self.members = 0

    def member(self):
        self.members += 1
        if self.members > MAX_MEMBERS:
            raise SubmissionError(f"{self.where}: more than {MAX_MEMBERS} files and folders")

    def take(self, count):
        self.bytes += count
        if self.bytes > self.max_bytes:
            raise SubmissionError(f"{self.where}: more than {self.max_bytes >> 20} MiB "
                                  "of content (the size limit)")


def _write_file(src, dest, mode, budget):
    """Copy a member's stream into dest, counting every byte against budget."""
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    with open(dest, "wb") as out:
        _capped_copy(src, out, budget)
    os.chmod(dest, 0o755 if mode & stat.S_IXUSR else 0o644)


def _make_links(links, out, where):
    """Links last, so that no file is ever written through one."""
    for rel, target in links:
        dest = os.path.join(out, rel)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        if os.path.lexists(dest):
            raise SubmissionError(f"{where}: symlink '{rel}' over another member")
        os.symlink(target, dest)


# ---- the kinds -----------------------------------------------------------------------

def _unpack_tar(path, out, budget, where):
    try:
        with tarfile.open(path, "r:*") as tar:
            links = []
            for m in tar:
                budget.member()
                rel = member_path(m.name, where)
                if not rel:
                    continue
                if m.isdir():
                    os.makedirs(os.path.join(out, rel), exist_ok=True)
                elif m.issym():
                    check_link(rel, m.linkname, where)
                    links.append((rel, m.linkname))
                elif m.isreg():
                    _write_file(tar.extractfile(m), os.path.join(out, rel), m.mode, budget)
                elif m.islnk():
                    raise SubmissionError(f"{where}: member '{m.name}': hard links are refused")
                else:
                    raise SubmissionError(f"{where}: member '{m.name}': a device or fifo")
            _make_links(links, out, where)
    except (tarfile.TarError, EOFError, zlib.error) as e:
        raise SubmissionError(f"{where}: not a readable tar archive ({e})") from None
    except OSError as e:
        if e.errno is None:        # gzip's BadGzipFile: a damaged archive
            raise SubmissionError(f"{where}: not a readable tar archive ({e})") from None
        raise SubmissionError(f"{where}: cannot unpack: {e.strerror}") from None


def _zip_mode(info):
    return info.external_attr >> 16


def _unpack_zip(path, out, budget, where):
    try:
        with zipfile.ZipFile(path) as z:
            links = []
            for info in z.infolist():
                budget.member()
                rel = member_path(info.filename, where)
                mode = _zip_mode(info)
                if not rel or info.is_dir():
                    if rel:
                        os.makedirs(os.path.join(out, rel), exist_ok=True)
                    continue
                if stat.S_ISLNK(mode):
                    target = z.read(info).decode("utf-8", "replace")
                    check_link(rel, target, where)
                    links.append((rel, target))
                    continue
                with z.open(info) as src:
                    _write_file(src, os.path.join(out, rel), mode, budget)
            _make_links(links, out, where)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError,
            NotImplementedError) as e:
        raise SubmissionError(f"{where}: not a readable zip archive ({e})") from None


def _copy_folder(folder, out, budget, where):
    """A plain folder: regular files and inside links only, .git left out."""
    links = []
    for dirpath, dirnames, filenames in os.walk(folder):
        linked = [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]
        dirnames[:] = sorted(d for d in dirnames if d != ".git" and d not in linked)
        for name in sorted(filenames + linked):
            src = os.path.join(dirpath, name)
            rel = os.path.relpath(src, folder).replace(os.sep, "/")
            budget.member()
            info = os.lstat(src)
            if stat.S_ISLNK(info.st_mode):
                target = os.readlink(src)
                check_link(rel, target, where)
                links.append((rel, target))
            elif stat.S_ISREG(info.st_mode):
                with open(src, "rb") as f:
                    _write_file(f, os.path.join(out, rel), info.st_mode, budget)
            else:
                raise SubmissionError(f"{where}: '{rel}' is a device, fifo or socket")
    _make_links(links, out, where)


def git_head(repo):
    """The HEAD commit of a repository, or SubmissionError."""
    done = subprocess.run(["git", "-C", repo, "rev-parse", "--verify", "-q", "HEAD^{commit}"],
                          capture_output=True, text=True, timeout=GIT_TIMEOUT_S)
    if done.returncode != 0:
        raise SubmissionError(f"{repo}: a git repository without a commit to grade")
    return done.stdout.strip()


def _unpack_git(repo, out, budget, where):
    """The HEAD commit's tree, through `git archive` (capped as it streams)."""
    commit = git_head(repo)
    with tempfile.TemporaryDirectory(prefix="pagoda-git-") as tmp:
        tar_path = os.path.join(tmp, "head.tar")
        with open(tar_path, "wb") as f:
            proc = subprocess.Popen(["git", "-C", repo, "archive", "--format=tar", commit],
                                    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            try:
                _capped_copy(proc.stdout, f, budget)
            finally:
                proc.kill()
                proc.wait()
        if proc.returncode not in (0, -9):
            raise SubmissionError(f"{where}: git archive failed (status {proc.returncode})")
        _unpack_tar(tar_path, out, Budget(where, budget.max_bytes), where)
    return commit


def _capped_copy(src, dest, budget):
    """Copy stream src to stream dest, counting every byte against budget."""
    while True:
        chunk = src.read(COPY_CHUNK)
        if not chunk:
            return
        budget.take(len(chunk))
        dest.write(chunk)


def tree_root(out):
    """Where the tree starts: an archive of one folder holding it all
    (student/Makefile, ...) is that folder."""
    entries = [e for e in os.listdir(out) if e not in ("__MACOSX",)]
    if len(entries) == 1 and os.path.isdir(os.path.join(out, entries[0])) \
            and not os.path.islink(os.path.join(out, entries[0])) \
            and not os.path.exists(os.path.join(out, "Makefile")):
        return os.path.join(out, entries[0])
    return out


def unpack(entry, out, max_bytes=MAX_BYTES):
    """Write the submission's files into out (created; must not exist).
    Returns (tree root inside out, commit id or "")."""
    where = entry
    kind = kind_of(entry)
    os.makedirs(out)
    budget = Budget(where, max_bytes)
    commit = ""
    if kind == "git":
        commit = _unpack_git(entry, out, budget, where)
    elif kind == "folder":
        _copy_folder(entry, out, budget, where)
    elif kind == "tar":
        _unpack_tar(entry, out, budget, where)
    else:
        _unpack_zip(entry, out, budget, where)
    if not os.listdir(out):
        raise SubmissionError(f"{where}: empty")
    return tree_root(out), commit


def remove_tree(path):
    """rm -rf of a file, a link or a folder, also of read-only folders a
    build left behind."""
    def retry(func, p, _):
        os.chmod(os.path.dirname(p), 0o755)
        func(p)
    if os.path.islink(path) or os.path.isfile(path):
        os.remove(path)
    elif os.path.lexists(path):
        shutil.rmtree(path, onerror=retry)
