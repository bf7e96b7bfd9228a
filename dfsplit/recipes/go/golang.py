"""Reading Go projects: go.mod, `go build`/`go install` command lines, and the source."""

from __future__ import annotations

import posixpath
import re
from typing import NamedTuple

from dfsplit.dockerfile import shell, words
from dfsplit.model import Instruction, Project, Refuse
from dfsplit.plan.stage import DEFAULT_PATH, StageModel, run_script

# Flags of `go build`/`go install` that take a value (cmd/go/internal/work/build.go).
VALUE_FLAGS = {
    "o",
    "p",
    "C",
    "asmflags",
    "buildmode",
    "compiler",
    "gccgoflags",
    "gcflags",
    "installsuffix",
    "ldflags",
    "mod",
    "modfile",
    "overlay",
    "pgo",
    "pkgdir",
    "tags",
    "toolexec",
    "coverpkg",
    "covermode",
    "exec",
}
BOOL_FLAGS = {
    "a",
    "n",
    "race",
    "msan",
    "asan",
    "v",
    "work",
    "x",
    "trimpath",
    "linkshared",
    "modcacherw",
    "cover",
    "json",
    "buildvcs",
    "i",
}
# Modules that only work with cgo: a static build compiles but fails at run time.
CGO_MODULES = (
    "github.com/mattn/go-sqlite3",
    "github.com/mattn/go-oci8",
    "github.com/godror/godror",
    "github.com/confluentinc/confluent-kafka-go",
    "gopkg.in/confluentinc/confluent-kafka-go",
    "github.com/tecbot/gorocksdb",
    "github.com/linxGnu/grocksdb",
    "github.com/DataDog/zstd",
    "github.com/valyala/gozstd",
    "github.com/h2non/bimg",
    "github.com/davidbyttow/govips",
    "github.com/go-gl/glfw",
    "github.com/go-gl/gl",
    "github.com/miekg/pkcs11",
    "github.com/ceph/go-ceph",
    "github.com/ibmdb/go_ibm_db",
    "github.com/gen2brain/go-fitz",
)
# Directories the golang image already has, so `-o /usr/local/bin` writes inside them.
KNOWN_DIRS = {"/usr/local/bin", "/usr/bin", "/bin", "/go/bin", "/usr/local/sbin", "/tmp"}
DEFAULT_GO_ENV = {
    "GOPATH": "/go",
    "HOME": "/root",
    "PATH": "/go/bin:/usr/local/go/bin:" + DEFAULT_PATH,
}


class Module(NamedTuple):
    path: str  # module path from go.mod ("" in GOPATH mode)
    root: str  # absolute directory in the builder
    context_dir: str  # the same directory relative to the build context
    requires: tuple[str, ...]
    go_version: str | None


class Build(NamedTuple):
    """One binary produced by `go build` or `go install` in a RUN."""

    ins: Instruction
    output: str  # absolute path in the builder
    package: str
    cgo: str | None  # CGO_ENABLED as set for this command, None when left to the default
    cwd: str
    tags: str = ""
    race: bool = False  # -race links the race detector runtime, which needs cgo
    gopath: bool = False  # GO111MODULE=off for this command


def parse_go_mod(text: str) -> tuple[str, tuple[str, ...], str | None]:
    """Module path, required module paths, and the `go` directive."""
    module = re.search(r"^\s*module\s+\"?([^\s\"]+)", text, re.MULTILINE)
    version = re.search(r"^\s*go\s+([0-9.]+)", text, re.MULTILINE)
    requires: list[str] = []
    for block in re.findall(r"^\s*require\s*\((.*?)\)", text, re.MULTILINE | re.DOTALL):
        requires += [
            ln.split()[0]
            for ln in block.splitlines()
            if ln.strip() and not ln.strip().startswith("//")
        ]
    requires += re.findall(r"^\s*require\s+([^\s(]+)\s", text, re.MULTILINE)
    return (
        module.group(1) if module else "",
        tuple(requires),
        version.group(1) if version else None,
    )


def find_module(model: StageModel, project: Project, cwd: str) -> Module | None:
    """The module whose go.mod is at or above cwd in the builder."""
    directory = cwd
    while True:
        ctx = model.context_path(posixpath.join(directory, "go.mod"))
        if ctx is not None and project.text(ctx) is not None:
            path, requires, version = parse_go_mod(project.text(ctx) or "")
            return Module(path, directory, posixpath.dirname(ctx) or ".", requires, version)
        if directory == "/":
            return None
        directory = posixpath.dirname(directory)


def find_builds(model: StageModel, module_of: ModuleLookup) -> list[Build]:
    """Every binary the stage builds, in order."""
    builds: list[Build] = []
    for ins in model.stage:
        if ins.keyword != "RUN":
            continue
        state = model.state_at(ins)
        env, cwd = dict(state.env), state.workdir
        for cmd in shell.split_commands(run_script(ins)) or []:
            if cmd.program == "cd" and len(cmd.argv) == 2:
                target = words.expand(cmd.argv[1], env)
                if target is None:
                    raise Refuse(f"cannot follow `cd {cmd.argv[1]}` (line {ins.start + 1})")
                cwd = posixpath.normpath(posixpath.join(cwd, target))
            elif cmd.program == "export":
                env.update(_assignments(cmd.argv[1:]))
            elif _is_go(cmd.program) and cmd.argv[1:2] in (("build",), ("install",)):
                builds += _build(ins, cmd, {**env, **cmd.env}, cwd, module_of)
            elif cmd.program in {"mv", "cp", "install"} and builds:
                builds += _moved(ins, cmd, env, cwd, builds)
    return builds


def _moved(
    ins: Instruction, cmd: shell.Command, env: dict[str, str], cwd: str, builds: list[Build]
) -> list[Build]:
    """`mv app /usr/local/bin/` after a build: the binary now lives at the destination."""
    operands = [w for w in cmd.argv[1:] if not w.startswith("-")]
    if cmd.program == "install" and "-m" in cmd.argv:
        mode = cmd.argv[cmd.argv.index("-m") + 1]
        operands = [w for w in operands if w != mode]
    if len(operands) != 2:
        return []
    paths = [words.expand(w, env) for w in operands]
    if paths[0] is None or paths[1] is None:
        return []
    source = posixpath.normpath(posixpath.join(cwd, paths[0]))
    target = posixpath.normpath(posixpath.join(cwd, paths[1]))
    if paths[1].endswith("/") or target in KNOWN_DIRS:
        target = posixpath.join(target, posixpath.basename(source))
    built = [b for b in builds if b.output == source]
    if not built:
        return []
    b = built[-1]
    return [Build(ins, target, b.package, b.cgo, b.cwd, b.tags, b.race, b.gopath)]


class ModuleLookup:
    """Caches `find_module` per directory."""

    def __init__(self, model: StageModel, project: Project) -> None:
        self.model, self.project = model, project
        self.cache: dict[str, Module | None] = {}

    def __call__(self, cwd: str) -> Module | None:
        if cwd not in self.cache:
            self.cache[cwd] = find_module(self.model, self.project, cwd)
        return self.cache[cwd]

    def expand(self, pattern: str, cwd: str) -> list[str]:
        """`./...` -> the main packages below it, as `./dir` patterns; others unchanged."""
        if not pattern.endswith("..."):
            return [pattern]
        base = posixpath.normpath(posixpath.join(cwd, pattern[:-3].rstrip("/") or "."))
        ctx = self.model.context_path(base)
        if ctx is None:
            return []
        prefix = "" if ctx == "." else ctx + "/"
        mains = sorted(
            {
                posixpath.dirname(p)
                for p in self.project.context_files
                if p.startswith(prefix)
                and p.endswith(".go")
                and not p.endswith("_test.go")
                and "/vendor/" not in "/" + p
                and _is_main(self.project.text(p) or "")
            }
        )
        out = []
        for directory in mains:
            rel = posixpath.relpath(directory or ".", ctx)
            out.append(posixpath.normpath(posixpath.join(posixpath.relpath(base, cwd), rel)))
        return ["./" + p if p != "." else "." for p in out]


def _is_main(text: str) -> bool:
    return re.search(r"^package\s+main\b", text, re.MULTILINE) is not None


def _is_go(program: str) -> bool:
    return program == "go" or program.endswith("/go")


def _assignments(words: tuple[str, ...]) -> dict[str, str]:
    return dict(w.split("=", 1) for w in words if "=" in w)


def parse_flags(argv: tuple[str, ...], where: str) -> tuple[dict[str, str], list[str]]:
    """Go-style flags (`-o x`, `-o=x`, `--o x`) and the remaining positional words."""
    flags: dict[str, str] = {}
    rest: list[str] = []
    i = 0
    while i < len(argv):
        word = argv[i]
        if not word.startswith("-") or rest or word in {"-", "--"}:
            rest.append(word)
            i += 1
            continue
        name, eq, value = word.lstrip("-").partition("=")
        if name in VALUE_FLAGS and not eq:
            if i + 1 >= len(argv):
                raise Refuse(f"{where}: flag -{name} has no value")
            value, i = argv[i + 1], i + 1
        elif name not in VALUE_FLAGS and name not in BOOL_FLAGS:
            raise Refuse(f"{where}: unknown go flag -{name}")
        flags[name] = value if (eq or name in VALUE_FLAGS) else "true"
        i += 1
    return flags, rest


def _build(
    ins: Instruction, cmd: shell.Command, env: dict[str, str], cwd: str, module_of: ModuleLookup
) -> list[Build]:
    where = f"line {ins.start + 1}"
    flags, packages = parse_flags(cmd.argv[2:], where)
    if flags.get("buildmode", "exe") not in {"exe", "default", "pie"}:
        raise Refuse(f"{where}: -buildmode={flags['buildmode']} does not produce a program")
    if "C" in flags:
        cwd = posixpath.normpath(posixpath.join(cwd, _expand(flags["C"], env, where)))
    made = _Made(
        ins,
        env.get("CGO_ENABLED"),
        cwd,
        flags.get("tags", ""),
        "race" in flags,
        env.get("GO111MODULE") == "off",
    )
    packages = packages or ["."]
    files = [p for p in packages if p.endswith(".go")]
    wildcard = any("..." in p for p in packages)
    if not files:
        packages = [m for p in packages for m in module_of.expand(p, cwd)]
    if cmd.argv[1] == "install":
        gobin = _install_dir(env, where)
        return [
            made.build(posixpath.join(gobin, _name(p, cwd, module_of, where)), p) for p in packages
        ]
    output = flags.get("o")
    if output is None:
        if (len(packages) != 1 or wildcard) and not files:
            return []  # several packages and no -o: go build discards the results
        return [
            made.build(posixpath.join(cwd, _name(packages[0], cwd, module_of, where)), packages[0])
        ]
    target = posixpath.normpath(posixpath.join(cwd, _expand(output, env, where)))
    if output.endswith("/") or target in KNOWN_DIRS:
        return [
            made.build(posixpath.join(target, _name(p, cwd, module_of, where)), p)
            for p in (files[:1] or packages)
        ]
    if len(packages) != 1 and not files:
        raise Refuse(f"{where}: -o {output} with several packages does not build a program")
    return [made.build(target, packages[0])]


class _Made(NamedTuple):
    """What one go command line shares between the binaries it makes."""

    ins: Instruction
    cgo: str | None
    cwd: str
    tags: str
    race: bool
    gopath: bool

    def build(self, output: str, package: str) -> Build:
        return Build(
            self.ins, output, package, self.cgo, self.cwd, self.tags, self.race, self.gopath
        )


def _name(package: str, cwd: str, module_of: ModuleLookup, where: str) -> str:
    name = binary_name(package, cwd, module_of(cwd))
    if not name or "..." in name or name in {".", ".."}:
        raise Refuse(f"{where}: cannot tell the name of the binary built from {package}")
    return name


def _expand(word: str, env: dict[str, str], where: str) -> str:
    value = words.expand(word, env)
    if value is None:
        raise Refuse(f"{where}: {word} uses a variable dfsplit cannot resolve")
    return value


def _install_dir(env: dict[str, str], where: str) -> str:
    if env.get("GOOS", "linux") != "linux" or env.get("GOARCH", "amd64") not in {"amd64", ""}:
        raise Refuse(f"{where}: go install for another platform puts the binary in a subdirectory")
    return env.get("GOBIN") or posixpath.join(env.get("GOPATH", "/go").split(":")[0], "bin")


def binary_name(package: str, cwd: str, module: Module | None) -> str:
    """The name go gives a main package's binary (cmd/go's DefaultExecName)."""
    package = package.split("@", 1)[0]
    if package.endswith(".go"):
        return posixpath.basename(package)[: -len(".go")]
    if package.startswith(".") or package.startswith("/"):
        directory = posixpath.normpath(posixpath.join(cwd, package))
        if module is None or not module.path:
            import_path = directory
        else:
            rel = posixpath.relpath(directory, module.root)
            import_path = module.path if rel == "." else f"{module.path}/{rel}"
    else:
        import_path = package
    parts = import_path.rstrip("/").split("/")
    if len(parts) > 1 and re.fullmatch(r"v[2-9][0-9]*", parts[-1]):
        return parts[-2]
    return parts[-1]


# --- the source ----------------------------------------------------------------------------

_STRING = re.compile(r'"((?:[^"\\\n]|\\.)*)"|`([^`]*)`')
_IMPORT_BLOCK = re.compile(r"^import\s*\((.*?)^\)", re.MULTILINE | re.DOTALL)
_IMPORT_LINE = re.compile(r'^import\s+(?:[\w.]+\s+)?"[^"]*"', re.MULTILINE)
_COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/", re.DOTALL)
_EMBED = re.compile(r"^//go:embed\s+(.+)$", re.MULTILINE)
_EXEC = re.compile(r'exec\.(?:Command|CommandContext|LookPath)\(\s*(?:\w+\s*,\s*)?"([^"]+)"')
_TEMP = re.compile(
    r"os\.(?:CreateTemp|MkdirTemp|TempDir)\(|ioutil\.(?:TempFile|TempDir)\(|"
    r"\.ParseMultipartForm\(|\.FormFile\("
)
# Calls `pkg.Func(` whose package name must start a word (see _calls: not a leading \b).
_OPENED = re.compile(
    r"(?:os\.(?:Open|ReadFile|ReadDir|OpenFile|Stat)|ioutil\.ReadFile|template\.ParseFiles|"
    r"template\.ParseGlob|http\.Dir|godotenv\.Load)\(\s*\"([^\"]+)\""
)
_WRITES = re.compile(
    r"(?:os\.(?:Create|WriteFile|Mkdir|MkdirAll|OpenFile|Rename)\(|ioutil\.WriteFile\(|"
    r"sql\.Open\(\s*\"sqlite3?\")"
)
_DYNAMIC_OPEN = re.compile(
    r"(?:os\.(?:Open|ReadFile|ReadDir|OpenFile)|ioutil\.ReadFile|template\.ParseFiles|"
    r"template\.ParseGlob|http\.Dir|http\.ServeFile)\(\s*(?:w\s*,\s*r\s*,\s*)?([A-Za-z_][\w.]*)"
)


class Source(NamedTuple):
    """Facts about the source that decide the runtime image (other recipes fill in literals)."""

    uses_cgo: bool = False
    needs_tz: bool = False
    needs_tmp: bool = False
    literals: tuple[str, ...] = ()  # string literals outside imports and comments
    embedded: tuple[str, ...] = ()  # //go:embed patterns
    executes: tuple[str, ...] = ()  # programs run through os/exec
    dynamic_opens: tuple[str, ...] = ()  # "file.go: os.ReadFile(path)" with a computed path
    opened: tuple[str, ...] = ()  # literal paths handed straight to a file-opening call
    writes: tuple[str, ...] = ()  # "file.go: os.Create(" calls that write to the filesystem
    has_tests: bool = False


def scan_source(project: Project, context_dir: str) -> Source:
    prefix = "" if context_dir in (".", "") else context_dir.rstrip("/") + "/"
    go_files = sorted(
        p
        for p in project.context_files
        if p.endswith(".go") and p.startswith(prefix) and not _ignored_dir(p[len(prefix) :])
    )
    literals: list[str] = []
    embedded: list[str] = []
    executes: list[str] = []
    dynamic: list[str] = []
    opened: list[str] = []
    writes: list[str] = []
    cgo = tz = tmp = tzdata = False
    for path in go_files:
        if path.endswith("_test.go"):
            continue
        text = project.text(path) or ""
        if "//go:embed" in text:  # rare: a substring test spares most files the regex
            embedded += [w for line in _EMBED.findall(text) for w in line.split()]
        code = _COMMENT.sub("", text)
        imports = " ".join(_IMPORT_BLOCK.findall(code) + _IMPORT_LINE.findall(code))
        cgo |= bool(re.search(r'"C"', imports))
        tzdata |= '"time/tzdata"' in imports
        tz |= "LoadLocation(" in code
        tmp |= bool(_TEMP.search(code))
        executes += _EXEC.findall(code)
        opened += _calls(_OPENED, code)
        writes += [f"{path}: {m.split('(')[0]}" for m in _calls(_WRITES, code)]
        dynamic += [f"{path}: {m}" for m in _calls(_DYNAMIC_OPEN, code) if m not in {"nil"}]
        body = _IMPORT_LINE.sub("", _IMPORT_BLOCK.sub("", code))
        literals += [a or b for a, b in _STRING.findall(body)]
    has_tests = any(p.endswith("_test.go") for p in go_files)
    return Source(
        uses_cgo=cgo,
        needs_tz=tz and not tzdata,
        needs_tmp=tmp,
        literals=tuple(dict.fromkeys(literals)),
        embedded=tuple(embedded),
        executes=tuple(dict.fromkeys(executes)),
        dynamic_opens=tuple(dynamic),
        opened=tuple(dict.fromkeys(opened)),
        writes=tuple(dict.fromkeys(writes)),
        has_tests=has_tests,
    )


def _calls(pattern: re.Pattern[str], code: str) -> list[str]:
    """findall for a pattern of calls, keeping those whose package name starts a word
    (`os.Create(`, not `videos.Create(`). A leading \\b in the pattern would say the same,
    but it keeps re from skipping ahead to the pattern's first letters: 3 to 5 times slower."""
    out = []
    for match in pattern.finditer(code):
        i = match.start()
        if i and (code[i - 1].isalnum() or code[i - 1] == "_"):
            continue
        out.append(match.group(1) if pattern.groups else match.group(0))
    return out


def _ignored_dir(rel: str) -> bool:
    parts = rel.split("/")[:-1]
    return any(p in {"vendor", "testdata"} or p.startswith((".", "_")) for p in parts)


def cgo_modules(requires: tuple[str, ...]) -> list[str]:
    return [r for r in requires if any(r == m or r.startswith(m + "/v") for m in CGO_MODULES)]
