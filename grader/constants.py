"""Constants read from the kernel's C headers and the grader's Python files.

The handbook's figures must follow the kernel: a layout constant changed in
kernel/include/memlayout.h has to change the figure at the next build. So
the numbers are read from the sources themselves, never copied. Nothing is
executed to get them: C macros are expanded by a small preprocessor and
Python assignments are read with the ast module, and in both cases the
resulting expression is evaluated by walking its syntax tree, which only
knows integer literals and arithmetic.

    defs = CHeader.read("kernel/include/memlayout.h")
    defs.value("PAGE_OFFSET")             # 0xffff800000000000
    consts = python_constants("tests/test_base_boot.py")
    consts["HOLES_BANKS"]                 # ((0x80000000, 268435456), ...)

C arithmetic is unsigned 64-bit, as the kernel's UL constants are: every
operation wraps modulo 2**64, so ~0UL << 47 comes out as in C.
"""
import ast
import operator
import re

MASK64 = (1 << 64) - 1


class ConstantError(ValueError):
    """A constant that is missing or cannot be evaluated, with its place."""


# ---- the safe evaluator ------------------------------------------------------

_BINOPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
           ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod,
           ast.LShift: operator.lshift, ast.RShift: operator.rshift,
           ast.BitOr: operator.or_, ast.BitAnd: operator.and_, ast.BitXor: operator.xor}
_UNOPS = {ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Invert: operator.invert}
_LITERALS = (int, str, bool, type(None))


class _Evaluator:
    """Walks an expression tree; wrap=True gives C's unsigned 64-bit ints.
    Names are looked up through lookup(name), which may raise KeyError."""

    def __init__(self, lookup, wrap):
        self.lookup, self.wrap = lookup, wrap

    def run(self, node):
        method = getattr(self, "_" + type(node).__name__, None)
        if method is None:
            raise ConstantError(f"unsupported syntax: {type(node).__name__}")
        return method(node)

    def _fix(self, value):
        return value & MASK64 if self.wrap and isinstance(value, int) else value

    def _Expression(self, node):
        return self.run(node.body)

    def _Constant(self, node):
        if not isinstance(node.value, _LITERALS):
            raise ConstantError(f"unsupported literal {node.value!r}")
        return self._fix(node.value)

    def _Name(self, node):
        try:
            return self.lookup(node.id)
        except KeyError:
            raise ConstantError(f"unknown name {node.id}") from None

    def _BinOp(self, node):
        op = _BINOPS.get(type(node.op))
        if op is None:
            raise ConstantError(f"unsupported operator {type(node.op).__name__}")
        left, right = self.run(node.left), self.run(node.right)
        if not (isinstance(left, int) and isinstance(right, int)):
            return self._concat(op, left, right)
        if op in (operator.floordiv, operator.mod) and right == 0:
            raise ConstantError("division by zero")
        if op is operator.lshift and right > 128:
            raise ConstantError(f"shift by {right} is out of range")
        return self._fix(op(left, right))

    @staticmethod
    def _concat(op, left, right):
        """The one non-numeric operation: joining tuples (HOLES + (15,))."""
        if op is operator.add and type(left) is type(right) and isinstance(left, (tuple, str)):
            return left + right
        raise ConstantError(f"unsupported operands {type(left).__name__} and "
                            f"{type(right).__name__}")

    def _UnaryOp(self, node):
        op = _UNOPS.get(type(node.op))
        if op is None:
            raise ConstantError(f"unsupported operator {type(node.op).__name__}")
        return self._fix(op(self.run(node.operand)))

    def _Attribute(self, node):
        """module.NAME, for the modules the caller allows (grader.machines)."""
        if not isinstance(node.value, ast.Name):
            raise ConstantError("unsupported attribute of an expression")
        try:
            return self.lookup(f"{node.value.id}.{node.attr}")
        except KeyError:
            raise ConstantError(f"unknown name {node.value.id}.{node.attr}") from None

    def _Tuple(self, node):
        return tuple(self.run(e) for e in node.elts)

    _List = _Tuple

    def _Dict(self, node):
        if any(k is None for k in node.keys):
            raise ConstantError("unsupported ** in a dict")
        return {self.run(k): self.run(v) for k, v in zip(node.keys, node.values)}


def evaluate(tree, lookup=None, wrap=False):
    """Evaluate a parsed expression with only literals, names and arithmetic."""
    def no_names(name):
        raise KeyError(name)
    return _Evaluator(lookup or no_names, wrap).run(tree)


# ---- Python modules ------------------------------------------------------------

def is_plain_data(value):
    """Numbers, strings, None and tuples/lists/dicts of them: what a
    constant may be. A module attribute that is a function is not."""
    if isinstance(value, _LITERALS):
        return True
    if isinstance(value, (tuple, list)):
        return all(is_plain_data(v) for v in value)
    if isinstance(value, dict):
        return all(is_plain_data(k) and is_plain_data(v) for k, v in value.items())
    return False


def python_constants(path, modules=None):
    """{NAME: value} for every top-level `NAME = <constant expression>` in a
    Python file, read without importing it (importing a test module would
    run its imports and fixtures). modules maps names to already imported,
    side-effect-free modules whose plain-data attributes the expressions may
    use (`machines.HOLES + (15,)`). Other assignments are left out."""
    with open(path, encoding="utf-8") as f:
        module = ast.parse(f.read(), filename=path)
    values = {}

    def lookup(name):
        if name in values:
            return values[name]
        prefix, _, attr = name.partition(".")
        if attr and prefix in (modules or {}):
            value = getattr(modules[prefix], attr, None)
            if value is not None and is_plain_data(value):
                return value
        raise KeyError(name)

    for node in module.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            try:
                _bind(node.targets[0], evaluate(node.value, lookup), values)
            except ConstantError:
                continue
    return values


def _bind(target, value, values):
    """NAME = value, or A, B = (a, b) as in HOLES_MEMORY, HOLES_BANKS = HOLES."""
    if isinstance(target, ast.Name):
        values[target.id] = value
    elif isinstance(target, (ast.Tuple, ast.List)) and \
            all(isinstance(t, ast.Name) for t in target.elts):
        if not isinstance(value, (tuple, list)) or len(value) != len(target.elts):
            raise ConstantError("cannot unpack")
        for t, v in zip(target.elts, value):
            values[t.id] = v
    else:
        raise ConstantError("unsupported assignment target")


# ---- C headers --------------------------------------------------------------------

_COMMENT_RE = re.compile(r"/\*.*?\*/|//[^\n]*", re.DOTALL)
_DEFINE_RE = re.compile(r"^\s*#\s*define\s+(?P<name>[A-Za-z_]\w*)"
                        r"(?:\((?P<params>[^)]*)\))?(?P<body>.*)$")
_TOKEN_RE = re.compile(r"\s*(?:(?P<num>(?:0[xX][0-9a-fA-F]+|\d+)[uUlL]*)"
                       r"|(?P<ident>[A-Za-z_]\w*)|(?P<op><<|>>|##|[-+*/%&|^~(),]))")
_ENUM_RE = re.compile(r"\benum\s*\w*\s*\{(?P<body>[^}]*)\}")
_INT_RE = re.compile(r"^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9]\d*)[uUlL]*$")
_MAX_EXPANSION = 100   # nested macro expansions before we call it a loop


def _tokens(text, where):
    """C tokens of a macro body: numbers, identifiers, arithmetic and ##."""
    tokens, pos, text = [], 0, text.rstrip()
    while pos < len(text):
        m = _TOKEN_RE.match(text, pos)
        if not m:
            raise ConstantError(f"{where}: cannot read {text[pos:].strip()!r}")
        tokens.append(m.group(m.lastgroup))
        pos = m.end()
    return tokens


def _c_int(token):
    """A C integer literal's value: hex, octal or decimal, suffixes dropped."""
    m = _INT_RE.match(token)
    if not m:
        return None
    digits = m.group(1)
    if digits.lower().startswith("0x"):
        return int(digits, 16)
    return int(digits, 8) if len(digits) > 1 and digits[0] == "0" else int(digits)


def _split_args(tokens, start, where):
    """Arguments of a macro call whose '(' is tokens[start]; (args, end)."""
    args, current, depth = [], [], 0
    for i in range(start, len(tokens)):
        tok = tokens[i]
        if tok == "(":
            depth += 1
            if depth == 1:
                continue
        elif tok == ")":
            depth -= 1
            if depth == 0:
                args.append(current)
                return args, i + 1
        elif tok == "," and depth == 1:
            args.append(current)
            current = []
            continue
        current.append(tok)
    raise ConstantError(f"{where}: unbalanced parentheses in a macro call")


def _paste(tokens):
    """Apply ## (token pasting): x##UL with x = 0x10 gives 0x10UL."""
    out = []
    i = 0
    while i < len(tokens):
        if tokens[i] == "##" and out and i + 1 < len(tokens):
            out[-1] += tokens[i + 1]
            i += 2
            continue
        out.append(tokens[i])
        i += 1
    return out


class Macro:
    """One #define: its parameters (None when object-like), body and line."""

    def __init__(self, name, params, body, where):
        self.name, self.params, self.body, self.where = name, params, body, where


class CHeader:
    """The #defines of one or more headers, expanded on demand.

    Conditionals are not interpreted: every #define counts. Defining a name
    twice is an error, so a header whose values depend on #if cannot be
    misread silently."""

    def __init__(self):
        self.macros = {}

    @classmethod
    def read(cls, *paths):
        header = cls()
        for path in paths:
            header.add_file(path)
        return header

    def add_file(self, path):
        with open(path, encoding="utf-8") as f:
            text = f.read()
        self.add_text(text, path)

    def add_text(self, text, where):
        """Record every #define of text; comments and continuations removed
        first, keeping line numbers for messages."""
        text = text.replace("\\\n", " ")
        text = _COMMENT_RE.sub(lambda m: "\n" * m.group(0).count("\n"), text)
        for number, line in enumerate(text.splitlines(), 1):
            m = _DEFINE_RE.match(line)
            if m:
                self._define(m, f"{where}:{number}")
        for m in _ENUM_RE.finditer(text):
            self._enum(m, f"{where}:{text.count(chr(10), 0, m.start()) + 1}")

    def _enum(self, m, where):
        """Enumerators count as constants too (PT_LEVEL_PGD sizes a level):
        each is its initialiser, or the previous one plus one."""
        previous = None
        for item in m["body"].split(","):
            name, _, init = item.partition("=")
            name = name.strip()
            if not name:
                continue
            body = init.strip() or (f"({previous}) + 1" if previous else "0")
            self._add(Macro(name, None, body, where))
            previous = name

    def _define(self, m, where):
        params = None
        if m["params"] is not None:
            params = [p.strip() for p in m["params"].split(",") if p.strip()]
        self._add(Macro(m["name"], params, m["body"].strip(), where))

    def _add(self, macro):
        if macro.name in self.macros:
            raise ConstantError(f"{macro.where}: {macro.name} defined again "
                                f"(first at {self.macros[macro.name].where})")
        self.macros[macro.name] = macro

    def __contains__(self, name):
        return name in self.macros

    def where(self, name):
        return self.macros[name].where if name in self.macros else "?"

    def value(self, name):
        """The integer a macro expands to, or ConstantError saying why not."""
        macro = self.macros.get(name)
        if macro is None:
            raise ConstantError(f"{name} is not defined")
        if macro.params is not None:
            raise ConstantError(f"{macro.where}: {name} takes arguments")
        tokens = self._expand([name], set(), macro.where, 0)
        return self._evaluate(tokens, macro.where, name)

    def values(self, *names):
        return {name: self.value(name) for name in names}

    def _expand(self, tokens, active, where, depth):
        """Replace macro names by their bodies, recursively; active holds the
        macros being expanded, which (as in C) are not expanded again."""
        if depth > _MAX_EXPANSION:
            raise ConstantError(f"{where}: macros nest too deeply")
        out, i = [], 0
        while i < len(tokens):
            tok = tokens[i]
            macro = self.macros.get(tok)
            if macro is None or tok in active:
                out.append(tok)
                i += 1
                continue
            body, i = self._substitute(macro, tokens, i, where)
            out += self._expand(body, active | {tok}, macro.where, depth + 1)
        return out

    def _substitute(self, macro, tokens, i, where):
        """The body of the macro used at tokens[i]; (tokens, next index)."""
        body = _tokens(macro.body, macro.where)
        if macro.params is None:
            return _paste(body), i + 1
        if i + 1 >= len(tokens) or tokens[i + 1] != "(":
            raise ConstantError(f"{where}: {macro.name} used without arguments")
        args, end = _split_args(tokens, i + 1, where)
        if len(args) != len(macro.params):
            raise ConstantError(f"{where}: {macro.name} takes {len(macro.params)} "
                                f"arguments, got {len(args)}")
        bound = dict(zip(macro.params, args))
        replaced = [t for tok in body for t in bound.get(tok, [tok])]
        return _paste(replaced), end

    @staticmethod
    def _evaluate(tokens, where, name):
        """Evaluate expanded C tokens as unsigned 64-bit arithmetic."""
        parts = []
        for tok in tokens:
            number = _c_int(tok)
            if number is not None:
                parts.append(str(number))
            elif tok in ("(", ")", "+", "-", "*", "%", "&", "|", "^", "~", "<<", ">>"):
                parts.append(tok)
            elif tok == "/":
                parts.append("//")
            else:
                raise ConstantError(f"{where}: {name} is not a constant "
                                    f"(it uses {tok!r})")
        try:
            tree = ast.parse(" ".join(parts), mode="eval")
        except SyntaxError:
            raise ConstantError(f"{where}: {name} is not an expression") from None
        try:
            return evaluate(tree, wrap=True)
        except ConstantError as e:
            raise ConstantError(f"{where}: {name}: {e}") from None
