"""Config files: validation errors name the file and key; precedence --config < found < flags."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from fixture_cases import FIXTURES, copy_case
from typer.testing import CliRunner

from dfsplit.cli import app
from dfsplit.fleet import config, runner
from dfsplit.model import Options, Status

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

KNOWN = frozenset({"go", "java", "node", "maven"})


def _parse(table: dict[str, object], tmp_path: Path) -> config.OptionLayer:
    return config.parse_table(table, tmp_path / ".dfsplit.toml", KNOWN)


def test_every_key_is_read_and_normalised(tmp_path: Path) -> None:
    (tmp_path / "tpl").mkdir()
    policy = _parse(
        {
            "runtime": {"go": "gcr.io/distroless/static-debian12"},
            "registry": "mirror.corp/",
            "uid": 10001,
            "tester": False,
            "gate-tests": False,
            "cache-mounts": True,
            "templates": "tpl",
        },
        tmp_path,
    )
    options = config.merge(Options(), policy)
    assert options.runtime_images == (("go", "gcr.io/distroless/static-debian12"),)
    assert options.registry_prefix == "mirror.corp/"
    assert options.uid == "10001:10001"
    assert (options.tester, options.gate_tests, options.cache_mounts) == (False, False, True)
    assert options.template_dir == str((tmp_path / "tpl").resolve())


@pytest.mark.parametrize(
    ("table", "key", "message"),
    [
        pytest.param({"gate_tests": True}, "gate_tests", "did you mean 'gate-tests'", id="typo"),
        pytest.param({"colour": 1}, "colour", "unknown key", id="unknown"),
        pytest.param({"uid": 0}, "uid", "positive integer", id="uid-root"),
        pytest.param({"uid": "app"}, "uid", "positive integer", id="uid-name"),
        pytest.param({"uid": True}, "uid", "positive integer", id="uid-bool"),
        pytest.param({"tester": "yes"}, "tester", "true or false, not a string", id="bool"),
        pytest.param({"registry": 3}, "registry", "non-empty string", id="registry"),
        pytest.param({"runtime": "x"}, "runtime", "table", id="runtime-type"),
        pytest.param({"runtime": {"cobol": "x"}}, "runtime.cobol", "unknown language", id="lang"),
        pytest.param({"runtime": {"go": "a b"}}, "runtime.go", "image reference", id="image"),
        pytest.param({"templates": "nope"}, "templates", "is not a directory", id="templates"),
        pytest.param({"exclude": "docs/"}, "exclude", "array of patterns", id="exclude-type"),
        pytest.param({"exclude": [3]}, "exclude[0]", "non-empty pattern", id="exclude-item"),
        pytest.param({"exclude": ["/"]}, "exclude[0]", "non-empty pattern", id="exclude-empty"),
        pytest.param({"exclude": ["!a/"]}, "exclude[0]", "not supported", id="exclude-negate"),
        pytest.param({"excludes": []}, "excludes", "did you mean 'exclude'", id="exclude-typo"),
    ],
)
def test_validation_errors_name_file_and_key(
    table: dict[str, object], key: str, message: str, tmp_path: Path
) -> None:
    with pytest.raises(config.ConfigError) as info:
        _parse(table, tmp_path)
    text = str(info.value)
    assert f".dfsplit.toml: key '{key}'" in text and message in text and "\n" not in text


@pytest.mark.parametrize(
    ("pattern", "rel", "excluded"),
    [
        pytest.param("legacy/", "legacy/Dockerfile", True, id="dir"),
        pytest.param("legacy/", "svc/legacy/api/Dockerfile", True, id="dir-any-depth"),
        pytest.param("legacy/", "legacy.Dockerfile", False, id="dir-only"),
        pytest.param("/legacy/", "svc/legacy/Dockerfile", False, id="anchored"),
        pytest.param("deploy/*/Dockerfile", "deploy/x/Dockerfile", True, id="slash-anchored"),
        pytest.param("deploy/*/Dockerfile", "a/deploy/x/Dockerfile", False, id="slash-root"),
        pytest.param("*.dev.Dockerfile", "svc/api.dev.Dockerfile", True, id="name-glob"),
        pytest.param("deploy/**/Dockerfile", "deploy/a/b/Dockerfile", True, id="double-star"),
        pytest.param("e2e", "tests2/e2e/Dockerfile", True, id="bare-name"),
        pytest.param("e2e", "e2e-tools/Dockerfile", False, id="whole-names"),
    ],
)
def test_exclude_patterns_read_as_gitignore(pattern: str, rel: str, excluded: bool) -> None:
    assert (config.excluded_by(("other/", pattern), rel) == pattern) is excluded


def test_uid_and_gid_string_is_kept(tmp_path: Path) -> None:
    assert _parse({"uid": "10001:10002"}, tmp_path).uid == "10001:10002"


def test_precedence_org_then_found_then_flags(tmp_path: Path) -> None:
    org = config.OptionLayer(
        source="org",
        runtime=(("go", "org/go"), ("java", "org/java")),
        registry="org/",
        cache_mounts=True,
    )
    found = config.OptionLayer(source="repo", runtime=(("go", "repo/go"),), registry="repo/")
    flags = config.OptionLayer(source="command line", tester=False, cache_mounts=None)
    options = config.merge(Options(), org, found, flags)
    assert dict(options.runtime_images) == {"go": "repo/go", "java": "org/java"}
    assert options.registry_prefix == "repo/"
    assert options.cache_mounts is True and options.tester is False


def test_gate_tests_without_tester_is_an_error() -> None:
    with pytest.raises(config.ConfigError, match="gate-tests needs the tester"):
        config.merge(Options(), config.OptionLayer(source="f", tester=False, gate_tests=True))


def test_pyproject_table_is_found_upward_and_stops_at_the_repo(tmp_path: Path) -> None:
    (tmp_path / ".dfsplit.toml").write_text('registry = "outside/"\n')
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "svc" / "api").mkdir(parents=True)
    (repo / "pyproject.toml").write_text('[project]\nname = "x"\n[tool.dfsplit]\nuid = 2000\n')
    finder = config.Finder()
    found = finder.for_dockerfile(repo / "svc" / "api" / "Dockerfile")
    assert found is not None and found.uid == "2000:2000"
    (repo / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert config.Finder().for_dockerfile(repo / "svc" / "api" / "Dockerfile") is None


DFSPLIT_SPELLINGS = [
    "[tool.dfsplit]\nuid = 2000\n",
    '[ tool . "dfsplit" ]\nuid = 2000\n',
    "['tool'.dfsplit]\r\nuid = 2000\r\n",
    "tool.dfsplit.uid = 2000\n",
    '"tool".dfsplit = { uid = 2000 }\n',
    "tool = { dfsplit = { uid = 2000 } }\n",
    "[tool]\nruff = {}\ndfsplit = { uid = 2000 }\n",
    '[ "tool" ]\ndfsplit.uid = 2000\n',
    "[tool.dfsplit.runtime]\ngo = 'scratch'\n",
    "[project]\nname = 'x'\n\n  [tool.dfsplit]  # indented, with a comment\n  uid = 2000\n",
]


@pytest.mark.parametrize("text", DFSPLIT_SPELLINGS)
def test_every_spelling_of_the_table_is_read(text: str, tmp_path: Path) -> None:
    assert "dfsplit" in tomllib.loads(text)["tool"]  # the spelling is valid TOML for the table
    assert config.may_hold_dfsplit_table(text.encode())
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text(text)
    assert config.Finder().for_dockerfile(tmp_path / "Dockerfile") is not None


@pytest.mark.parametrize(
    "text",
    [
        "[project]\nname = 'dfsplit'\n[project.scripts]\ndfsplit = 'dfsplit.cli:main'\n",
        "[tool.ruff]\nline-length = 100\n[tool.hatch.build]\ninclude = ['dfsplit']\n",
        "[tool.ruff.dfsplit]\nx = 1\n",  # (this one is read: a false alarm costs only a parse)
    ],
)
def test_pyproject_without_the_table_finds_nothing(text: str, tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text(text)
    assert config.Finder().for_dockerfile(tmp_path / "Dockerfile") is None


def test_prefilter_skips_unrelated_pyproject_files() -> None:
    assert not config.may_hold_dfsplit_table(b"[project]\nname = 'dfsplit'\n[tool.ruff]\nx = 1\n")
    assert not config.may_hold_dfsplit_table((FIXTURES.parent / "pyproject.toml").read_bytes())


def test_found_config_reaches_the_rewrite(tmp_path: Path) -> None:
    project = copy_case(tmp_path)
    (project / ".dfsplit.toml").write_text(
        'uid = 10001\n[runtime]\ngo = "gcr.io/distroless/static-debian12"\n'
    )
    out = CliRunner().invoke(app, ["rewrite", str(project)]).stdout
    assert "+FROM gcr.io/distroless/static-debian12 AS runtime" in out
    assert "+USER 10001:10001" in out


def test_detect_and_verify_see_the_rewrite_that_rewrite_writes(tmp_path: Path) -> None:
    """detect and verify plan a file as a bulk run does: the config file found applies."""
    project = copy_case(tmp_path)
    (project / ".dfsplit.toml").write_text('[runtime]\ngo = "gcr.io/distroless/static-debian12"\n')
    out = CliRunner().invoke(app, ["detect", "--json", str(project)]).stdout
    assert json.loads(out)["images"]["runtime"] == "gcr.io/distroless/static-debian12"
    job = runner.single_job(project / "Dockerfile", Options(tester=False))
    assert job.options is not None and not job.options.tester  # the flag stays on top
    assert job.options.runtime_images == (("go", "gcr.io/distroless/static-debian12"),)


def test_flags_beat_the_found_file(tmp_path: Path) -> None:
    project = copy_case(tmp_path)
    (project / ".dfsplit.toml").write_text("tester = true\n")
    out = CliRunner().invoke(app, ["rewrite", "--no-tester", str(project)]).stdout
    assert "AS tester" not in out


def test_bad_config_option_is_a_usage_error(tmp_path: Path) -> None:
    bad = tmp_path / "org.toml"
    bad.write_text("registy = 'x/'\n")
    result = CliRunner().invoke(app, ["rewrite", "--config", str(bad), str(copy_case(tmp_path))])
    assert result.exit_code == 2
    assert "org.toml: key 'registy': unknown key (did you mean 'registry'?)" in result.stderr


def test_invalid_toml_in_config_option_is_a_usage_error(tmp_path: Path) -> None:
    bad = tmp_path / "org.toml"
    bad.write_text("registry = \n")
    result = CliRunner().invoke(app, ["rewrite", "--config", str(bad), str(copy_case(tmp_path))])
    assert result.exit_code == 2 and "invalid TOML" in result.stderr


def test_bad_found_config_fails_only_its_files(tmp_path: Path) -> None:
    bad = copy_case(tmp_path, "go-article")
    good = copy_case(tmp_path, "go-install")
    (bad / ".dfsplit.toml").write_text("uid = -1\n")
    result = CliRunner().invoke(app, ["rewrite", str(bad), str(good)])
    assert result.exit_code == 123
    assert "error: " in result.stderr and ".dfsplit.toml: key 'uid'" in result.stderr
    assert "can rewrite" in result.stderr and "Traceback" not in result.stderr


def test_contradicting_found_config_fails_its_file_and_names_it(tmp_path: Path) -> None:
    # Each key is valid alone; together they contradict. It used to escape as a traceback
    # blaming the command line.
    project = copy_case(tmp_path, "go-article")
    (project / ".dfsplit.toml").write_text("tester = false\ngate-tests = true\n")
    result = CliRunner().invoke(app, ["rewrite", str(project)])
    assert result.exit_code == 123  # a failed file, not an exception
    assert f"{project / '.dfsplit.toml'}: key 'gate-tests'" in result.stderr
    assert "Traceback" not in result.stderr


MALICIOUS = "{{ ''.__class__.__mro__[1].__subclasses__() }}\n"


def test_sandbox_refuses_a_malicious_custom_template(tmp_path: Path) -> None:
    project = copy_case(tmp_path)
    templates = project / "org-templates"
    templates.mkdir()
    for builtin in (Path(__file__).parent.parent / "templates").glob("*.j2"):
        (templates / builtin.name).write_text(MALICIOUS)
    (project / ".dfsplit.toml").write_text('templates = "org-templates"\n')
    jobs = runner.plan_jobs([project / "Dockerfile"], Options(), None, config.OptionLayer())
    [result] = runner.run_all(jobs, 1)
    assert result.outcome.status is Status.FAILED
    assert "custom template" in result.outcome.reason and "unsafe" in result.outcome.reason
    cli = CliRunner().invoke(app, ["rewrite", str(project / "Dockerfile")])
    assert cli.exit_code == 123 and "Traceback" not in cli.stderr
    assert "is unsafe (SecurityError" in cli.stderr
