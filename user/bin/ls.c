/*
 * ls: list files. One line per name: the name padded to DIRSIZ columns,
 * then type (1 dir, 2 file, 3 device), inode number and size, as xv6.
 */
#include "user.h"
#include "kernel/fs.h"
#include "kernel/param.h"

/* The last path component, padded with spaces to DIRSIZ columns. */
static const char *fmtname(const char *path)
{
	static char buf[DIRSIZ + 1];
	const char *p = path + strlen(path);
	uint len;

	while (p > path && p[-1] != '/')
		p--;
	len = strlen(p);
	if (len >= DIRSIZ)
		return p;
	memmove(buf, p, len);
	memset(buf + len, ' ', DIRSIZ - len);
	buf[DIRSIZ] = '\0';
	return buf;
}

static void print_entry(const char *path, const struct stat *st)
{
	printf("%s %d %d %d\n", fmtname(path), st->type, st->ino, (int)st->size);
}

/* List every entry of the directory open on fd; path names it. */
static int list_dir(int fd, const char *path)
{
	char buf[MAXPATH];
	struct dirent de;
	struct stat st;
	uint len = strlen(path);
	int status = 0;

	if (len + 1 + DIRSIZ + 1 > sizeof(buf)) {
		fprintf(2, "ls: path too long\n");
		return 1;
	}
	strcpy(buf, path);
	buf[len++] = '/';
	while (read(fd, &de, sizeof(de)) == sizeof(de)) {
		if (de.inum == 0)
			continue;
		/* A DIRSIZ-long name has no NUL in the entry. */
		memmove(buf + len, de.name, DIRSIZ);
		buf[len + DIRSIZ] = '\0';
		if (stat(buf, &st) < 0) {
			fprintf(2, "ls: cannot stat %s: %s\n", buf, strerror(errno()));
			status = 1;
			continue;
		}
		print_entry(buf, &st);
	}
	return status;
}

static int ls(const char *path)
{
	struct stat st;
	int fd, status = 0;

	if ((fd = open(path, O_RDONLY)) < 0) {
		fprintf(2, "ls: cannot open %s: %s\n", path, strerror(errno()));
		return 1;
	}
	if (fstat(fd, &st) < 0) {
		fprintf(2, "ls: cannot stat %s: %s\n", path, strerror(errno()));
		close(fd);
		return 1;
	}
	if (st.type == T_DIR)
		status = list_dir(fd, path);
	else
		print_entry(path, &st);
	close(fd);
	return status;
}

int main(int argc, char *argv[])
{
	int status = 0;

	if (argc < 2)
		return ls(".");
	for (int i = 1; i < argc; i++)
		status |= ls(argv[i]);
	return status;
}
