/*
 * sh: the shell. Reads a line, parses it into a small tree and runs it.
 *
 *   line     := pipeline { ('&' | ';') [pipeline] }
 *   pipeline := command { '|' command }
 *   command  := '(' line ')' { redir } | { word | redir }+
 *   redir    := ('<' | '>' | '>>') word
 *
 * Words may be quoted with '...' or "..." to keep spaces. `cd` is built
 * in (it must change the shell's own directory); everything else runs in
 * a child. A command without '/' that is not found in the current
 * directory is looked up in "/" too, so programs work after a cd.
 */
#include "user.h"
#include "kernel/param.h"

#define LINE_MAX   512
#define MAX_NODES  64
#define MAX_REDIRS 8
#define PROMPT     "$ "

enum node_kind { N_EXEC, N_BLOCK, N_PIPE, N_LIST, N_BACK };

struct redir {
	int fd;            /* fd being replaced: 0 or 1 */
	int mode;          /* open() flags */
	int append;        /* '>>': start writing at the end */
	char *file;
};

struct node {
	enum node_kind kind;
	struct node *left;     /* PIPE/LIST: left side; BLOCK/BACK: body */
	struct node *right;    /* PIPE/LIST: right side */
	char *argv[MAXARG + 1];
	int argc;
	struct redir redirs[MAX_REDIRS];
	int nredirs;
};

/* Tokens are kinds; words keep their text in wordbuf. */
enum token { T_END, T_WORD, T_PIPE, T_AMP, T_SEMI, T_LT, T_GT, T_GTGT,
	     T_LPAREN, T_RPAREN, T_BAD };

struct parser {
	const char *s;          /* rest of the input line */
	enum token tok;         /* current token */
	char *word;             /* its text when tok == T_WORD */
	char *wordend;          /* free space in wordbuf */
	int error;
};

static char wordbuf[LINE_MAX * 2];
static struct node nodes[MAX_NODES];
static int nnodes;

static void die(const char *what)
{
	fprintf(2, "sh: %s failed: %s\n", what, strerror(errno()));
	exit(1);
}

static int fork_or_die(void)
{
	int pid = fork();

	if (pid < 0)
		die("fork");
	return pid;
}

/* ---- lexer ---------------------------------------------------------- */

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v';
}

static int is_special(char c)
{
	return strchr("|&;<>()", c) != 0;
}

/* Copy one word (quotes removed) into wordbuf. */
static void lex_word(struct parser *p)
{
	p->word = p->wordend;
	while (*p->s != '\0' && !is_space(*p->s) && !is_special(*p->s)) {
		char q = *p->s;

		if (q == '\'' || q == '"') {
			p->s++;
			while (*p->s != '\0' && *p->s != q)
				*p->wordend++ = *p->s++;
			if (*p->s != q) {
				p->tok = T_BAD;   /* unterminated quote */
				return;
			}
			p->s++;
		} else {
			*p->wordend++ = *p->s++;
		}
	}
	*p->wordend++ = '\0';
	p->tok = T_WORD;
}

static void next(struct parser *p)
{
	while (is_space(*p->s))
		p->s++;
	switch (*p->s) {
	case '\0': p->tok = T_END; return;
	case '|': p->tok = T_PIPE; break;
	case '&': p->tok = T_AMP; break;
	case ';': p->tok = T_SEMI; break;
	case '<': p->tok = T_LT; break;
	case '(': p->tok = T_LPAREN; break;
	case ')': p->tok = T_RPAREN; break;
	case '>':
		p->tok = T_GT;
		if (p->s[1] == '>') {
			p->tok = T_GTGT;
			p->s++;
		}
		break;
	default:
		lex_word(p);
		return;
	}
	p->s++;
}

/* ---- parser --------------------------------------------------------- */

static void syntax_error(struct parser *p, const char *msg)
{
	if (!p->error)
		fprintf(2, "sh: syntax error: %s\n", msg);
	p->error = 1;
}

static struct node *new_node(struct parser *p, enum node_kind kind,
			     struct node *left, struct node *right)
{
	struct node *n;

	if (nnodes == MAX_NODES) {
		syntax_error(p, "command too complex");
		return 0;
	}
	n = &nodes[nnodes++];
	memset(n, 0, sizeof(*n));
	n->kind = kind;
	n->left = left;
	n->right = right;
	return n;
}

static int is_redir(enum token t)
{
	return t == T_LT || t == T_GT || t == T_GTGT;
}

/* Parse one redirection; the current token is <, > or >>. */
static void parse_redir(struct parser *p, struct node *n)
{
	enum token kind = p->tok;
	struct redir *r;

	next(p);
	if (p->tok != T_WORD) {
		syntax_error(p, "missing file name after redirection");
		return;
	}
	if (n->nredirs == MAX_REDIRS) {
		syntax_error(p, "too many redirections");
		return;
	}
	r = &n->redirs[n->nredirs++];
	r->file = p->word;
	r->append = kind == T_GTGT;
	if (kind == T_LT) {
		r->fd = 0;
		r->mode = O_RDONLY;
	} else {
		r->fd = 1;
		r->mode = r->append ? (O_RDWR | O_CREATE)
				    : (O_WRONLY | O_CREATE | O_TRUNC);
	}
	next(p);
}

static struct node *parse_line(struct parser *p);

static struct node *parse_block(struct parser *p)
{
	struct node *n, *body;

	next(p);   /* '(' */
	body = parse_line(p);
	if (p->tok != T_RPAREN) {
		syntax_error(p, "missing )");
		return 0;
	}
	if (body == 0) {
		syntax_error(p, "empty ( )");
		return 0;
	}
	next(p);
	n = new_node(p, N_BLOCK, body, 0);
	while (n != 0 && !p->error && is_redir(p->tok))
		parse_redir(p, n);
	return n;
}

static struct node *parse_command(struct parser *p)
{
	struct node *n;

	if (p->tok == T_LPAREN)
		return parse_block(p);
	n = new_node(p, N_EXEC, 0, 0);
	while (n != 0 && !p->error) {
		if (is_redir(p->tok)) {
			parse_redir(p, n);
		} else if (p->tok == T_WORD) {
			if (n->argc == MAXARG) {
				syntax_error(p, "too many arguments");
				break;
			}
			n->argv[n->argc++] = p->word;
			next(p);
		} else {
			break;
		}
	}
	if (n != 0 && !p->error && n->argc == 0)
		syntax_error(p, "missing command");
	return n;
}

static struct node *parse_pipeline(struct parser *p)
{
	struct node *left = parse_command(p);

	if (p->error || p->tok != T_PIPE)
		return left;
	next(p);
	return new_node(p, N_PIPE, left, parse_pipeline(p));
}

/* A sequence of pipelines separated by ';' or '&', up to ')' or the end. */
static struct node *parse_line(struct parser *p)
{
	struct node *first;

	if (p->tok == T_END || p->tok == T_RPAREN)
		return 0;
	first = parse_pipeline(p);
	if (p->error)
		return 0;
	if (p->tok == T_AMP) {
		first = new_node(p, N_BACK, first, 0);
		next(p);
		if (p->tok == T_SEMI)   /* "a &; b" reads as "a & b" */
			next(p);
	} else if (p->tok == T_SEMI) {
		next(p);
	} else if (p->tok != T_END && p->tok != T_RPAREN) {
		syntax_error(p, p->tok == T_BAD ? "unterminated quote"
						: "unexpected token");
		return 0;
	}
	if (p->tok == T_END || p->tok == T_RPAREN)
		return first;
	return new_node(p, N_LIST, first, parse_line(p));
}

static struct node *parse(const char *line, int *error)
{
	struct parser p = { .s = line, .wordend = wordbuf };
	struct node *n;

	nnodes = 0;
	next(&p);
	n = parse_line(&p);
	if (!p.error && p.tok != T_END)
		syntax_error(&p, p.tok == T_RPAREN ? "unexpected )"
						   : "unexpected token");
	*error = p.error;
	return n;
}

/* ---- execution ------------------------------------------------------ */

static void run_node(struct node *n);

/* Skip to the end of fd so writes append (there is no lseek). */
static void seek_end(int fd)
{
	char buf[512];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

static void apply_redirs(struct node *n)
{
	for (int i = 0; i < n->nredirs; i++) {
		struct redir *r = &n->redirs[i];

		/* The lowest free fd is the one just closed. */
		close(r->fd);
		if (open(r->file, r->mode) != r->fd) {
			fprintf(2, "sh: open %s failed: %s\n", r->file,
				strerror(errno()));
			exit(1);
		}
		if (r->append)
			seek_end(r->fd);
	}
}

static void exec_command(struct node *n)
{
	char path[MAXPATH];
	int err;

	exec(n->argv[0], n->argv);
	err = errno();
	if (err == ENOENT && strchr(n->argv[0], '/') == 0 &&
	    strlen(n->argv[0]) + 2 <= sizeof(path)) {
		path[0] = '/';
		strcpy(path + 1, n->argv[0]);
		exec(path, n->argv);
		err = errno();
	}
	fprintf(2, "sh: exec %s failed: %s\n", n->argv[0], strerror(err));
	exit(1);
}

static void run_in_child(struct node *n) __attribute__((noreturn));

/* Run one side of a pipe in a child whose fd stdfd (0 or 1) is the
 * matching end of the pipe: the pipe's read end is pfd[0], write pfd[1]. */
static int pipe_side(struct node *n, int pfd[2], int stdfd)
{
	int pid = fork_or_die();

	if (pid == 0) {
		close(stdfd);
		dup(pfd[stdfd]);
		close(pfd[0]);
		close(pfd[1]);
		run_in_child(n);
	}
	return pid;
}

/* Run n in this process, which is a child that exits when done. */
static void run_in_child(struct node *n)
{
	int pfd[2];

	switch (n->kind) {
	case N_EXEC:
		apply_redirs(n);
		exec_command(n);
		break;
	case N_BLOCK:
		apply_redirs(n);
		run_node(n->left);
		break;
	case N_PIPE:
		if (pipe(pfd) < 0)
			die("pipe");
		pipe_side(n->left, pfd, 1);
		pipe_side(n->right, pfd, 0);
		close(pfd[0]);
		close(pfd[1]);
		while (wait(0) >= 0)
			;
		break;
	default:
		run_node(n);
		break;
	}
	exit(0);
}

static void wait_for(int pid)
{
	int w;

	do {
		w = wait(0);   /* also reaps finished background jobs */
	} while (w >= 0 && w != pid);
}

static int is_cd(struct node *n)
{
	return n->kind == N_EXEC && n->argc > 0 && strcmp(n->argv[0], "cd") == 0;
}

static void builtin_cd(struct node *n)
{
	const char *dir = n->argc > 1 ? n->argv[1] : "/";

	if (n->argc > 2 || n->nredirs > 0)
		fprintf(2, "sh: cd: usage: cd [dir]\n");
	else if (chdir(dir) < 0)
		fprintf(2, "sh: cd %s failed: %s\n", dir, strerror(errno()));
}

/* Run n from this process, waiting for foreground work to finish. */
static void run_node(struct node *n)
{
	int pid;

	switch (n->kind) {
	case N_LIST:
		run_node(n->left);
		if (n->right != 0)
			run_node(n->right);
		return;
	case N_BACK:
		if (fork_or_die() == 0)
			run_in_child(n->left);
		return;
	default:
		if (is_cd(n)) {
			builtin_cd(n);
			return;
		}
		pid = fork_or_die();
		if (pid == 0)
			run_in_child(n);
		wait_for(pid);
		return;
	}
}

/* ---- main loop ------------------------------------------------------ */

/* Read one line from fd into buf; 0 at end of input. */
static int read_line(int fd, char *buf, int max)
{
	int n = 0;

	while (n + 1 < max) {
		char c;

		if (read(fd, &c, 1) != 1)
			break;
		if (c == '\n' || c == '\r') {
			buf[n] = '\0';
			return 1;
		}
		buf[n++] = c;
	}
	buf[n] = '\0';
	return n > 0;
}

/* Make sure fds 0, 1 and 2 exist so redirection logic holds. */
static void ensure_std_fds(void)
{
	int fd;

	while ((fd = open("console", O_RDWR)) >= 0) {
		if (fd >= 3) {
			close(fd);
			break;
		}
	}
}

int main(int argc, char *argv[])
{
	static char line[LINE_MAX];
	int in = 0;
	int interactive = 1;

	ensure_std_fds();
	if (argc > 1) {
		in = open(argv[1], O_RDONLY);
		if (in < 0) {
			fprintf(2, "sh: cannot open %s: %s\n", argv[1],
				strerror(errno()));
			exit(1);
		}
		interactive = 0;
	}
	for (;;) {
		struct node *n;
		int error;

		if (interactive)
			fprintf(2, PROMPT);
		if (!read_line(in, line, sizeof(line)))
			break;
		n = parse(line, &error);
		if (!error && n != 0)
			run_node(n);
	}
	exit(0);
}
