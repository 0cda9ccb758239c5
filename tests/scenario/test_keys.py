"""Key files a scenario names (`consumers[].key`, `maskinporten.signing_key`; sandbox/scenario/loader.py
`_key_files`, sandbox/keys): resolved against the scenario's folder, checked at load time with a
FILE:LINE: path: message problem each, and part of the world digest by thumbprint, never by path.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from joserfc.jwk import RSAKey

from sandbox.keys import shipped
from sandbox.scenario import ScenarioError, load_scenario
from sandbox.world import build_world, world_digest

SCENARIO = """\
version: 1
name: key test
seed: keys-1
today: 2025-06-30
banks:
  - {id: alpha, name: ALPHA BANK, registration_numbers: ["9910"]}
consumers:
  - id: skatteetaten
    name: Skatteetaten
    org_number: "974761076"
    services: [skatt]
    key: CONSUMER_KEY
maskinporten:
  signing_key: SIGNING_KEY
people:
  - {id: kari, name: Kari Nordmann}
accounts:
  - {id: a1, bank: alpha, type: salaryAccount, opened: -2y, owners: [{party: kari}]}
"""
PROBLEM_LINE = re.compile(r"^(?P<file>.+):(?P<line>\d+): (?P<path>[\w\[\].]+): (?P<message>.+)$")

_NONE = serialization.NoEncryption()
_KEYS: dict = {}


def rsa_key(bits: int = 2048):
    """One generated key per size for the whole module (RSA generation is slow)."""
    if bits not in _KEYS:
        _KEYS[bits] = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    return _KEYS[bits]


def private_pem(key, fmt=serialization.PrivateFormat.PKCS8) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, fmt, _NONE)


def public_pem(key) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def write_scenario(folder: Path, consumer_key: str = "keys/agency.pem", signing_key: str = "keys/issuer.pem",
                   files: dict[str, bytes] | None = None) -> Path:
    """A scenario in `folder` naming two key files; `files` are written relative to `folder` (default: good keys)."""
    files = {"keys/agency.pem": public_pem(rsa_key()), "keys/issuer.pem": private_pem(rsa_key()), **(files or {})}
    for name, data in files.items():
        if data is None:
            continue
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    path = folder / "scenario.yaml"
    path.write_text(SCENARIO.replace("CONSUMER_KEY", consumer_key).replace("SIGNING_KEY", signing_key), encoding="utf-8")
    return path


def line_of(path: Path, needle: str) -> int:
    hits = [n for n, line in enumerate(path.read_text().splitlines(), start=1) if needle in line]
    assert len(hits) == 1, hits
    return hits[0]


#: (rule, which key, file content (None: no file; "dir": a directory), message fragment)
BAD_KEYS = [
    ("missing-file", "consumer", None, "no such key file"),
    ("not-pem", "consumer", b"this is not a key\n", "expected a PEM-encoded RSA key"),
    ("empty-file", "consumer", b"", "expected a PEM-encoded RSA key"),
    ("ec-key", "consumer", "ec", "expected a PEM-encoded RSA key"),
    ("rsa-1024-bits", "consumer", "rsa1024", "at least 2048 bits (this one has 1024)"),
    ("a-directory", "consumer", "dir", "cannot read the key file"),
    ("signing-key-missing-file", "signing", None, "no such key file"),
    ("signing-key-rsa-1024-bits", "signing", "rsa1024", "at least 2048 bits (this one has 1024)"),
    ("signing-key-public-only", "signing", "public", "must be a private key"),
]


def _content(kind):
    if kind == "ec":
        key = ec.generate_private_key(ec.SECP256R1())
        return private_pem(key)
    if kind == "rsa1024":
        return private_pem(rsa_key(1024))
    if kind == "public":
        return public_pem(rsa_key())
    return kind


@pytest.mark.parametrize("which,content,fragment", [pytest.param(*row[1:4], id=row[0], marks=row[4:]) for row in BAD_KEYS])
def test_unusable_key_file_is_a_problem_with_file_line_and_path(tmp_path, which, content, fragment):
    name = "keys/agency.pem" if which == "consumer" else "keys/issuer.pem"
    content = _content(content)
    if content == "dir":
        (tmp_path / name).mkdir(parents=True)
        path = write_scenario(tmp_path, files={name: None})
    else:
        path = write_scenario(tmp_path, files={name: content})
        if content is None:
            (tmp_path / name).unlink(missing_ok=True)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    problems = info.value.problems
    assert len(problems) == 1, "\n".join(map(str, problems))
    problem = problems[0]
    dotted = "consumers[0].key" if which == "consumer" else "maskinporten.signing_key"
    needle = "key: keys/agency.pem" if which == "consumer" else "signing_key: keys/issuer.pem"
    assert (problem.file, problem.line, problem.path) == (str(path), line_of(path, needle), dotted), str(problem)
    assert fragment in problem.message, str(problem)
    if content != public_pem(rsa_key()):  # "must be a private key" is about the kind of key, not the file
        assert str((tmp_path / name).resolve()) in problem.message, "the message names the file it tried"
    match = PROBLEM_LINE.match(str(problem))
    assert match and match["file"] == str(path) and match["path"] == dotted, str(problem)


def test_every_bad_key_is_reported_at_once(tmp_path):
    path = write_scenario(tmp_path, consumer_key="keys/nope.pem", signing_key="keys/nope-either.pem")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert [p.path for p in info.value.problems] == ["maskinporten.signing_key", "consumers[0].key"]


@pytest.mark.parametrize("content", [
    pytest.param(lambda: public_pem(rsa_key()), id="public-key"),
    pytest.param(lambda: private_pem(rsa_key()), id="private-key-pkcs8"),
    pytest.param(lambda: private_pem(rsa_key(), serialization.PrivateFormat.TraditionalOpenSSL),
                 id="private-key-pkcs1"),
])
def test_consumer_key_may_be_public_or_private(tmp_path, content):
    path = write_scenario(tmp_path, files={"keys/agency.pem": content()})
    world = build_world(load_scenario(path))
    consumer = world.consumers["skatteetaten"]
    assert Path(consumer.key_path) == (tmp_path / "keys" / "agency.pem").resolve()


def test_keys_resolve_against_the_scenario_folder_not_the_cwd(tmp_path, monkeypatch):
    folder = tmp_path / "scenarios"
    folder.mkdir()
    path = write_scenario(folder)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    spec = load_scenario(path)
    assert spec.data["maskinporten"]["signing_key"] == str((folder / "keys" / "issuer.pem").resolve())


def test_absolute_key_paths_are_taken_as_they_are(tmp_path):
    key = tmp_path / "abs" / "issuer.pem"
    key.parent.mkdir()
    key.write_bytes(private_pem(rsa_key()))
    path = write_scenario(tmp_path / "", signing_key=str(key))
    assert load_scenario(path).data["maskinporten"]["signing_key"] == str(key.resolve())


def test_consumer_without_a_key_gets_the_published_key_of_its_org_number(tmp_path):
    path = write_scenario(tmp_path)
    text = path.read_text().replace("    key: keys/agency.pem\n", "")
    path.write_text(text)
    consumer = build_world(load_scenario(path)).consumers["skatteetaten"]
    assert Path(consumer.key_path) == Path(shipped("consumer-974761076"))


def test_world_digest_is_the_same_from_two_working_directories(tmp_path, monkeypatch):
    folder = tmp_path / "project" / "scenarios"
    folder.mkdir(parents=True)
    write_scenario(folder)
    digests = []
    for cwd, relative in ((tmp_path / "project", "scenarios/scenario.yaml"), (folder, "scenario.yaml")):
        monkeypatch.chdir(cwd)
        digests.append(world_digest(build_world(load_scenario(relative))))
    assert digests[0] == digests[1]


def test_world_digest_is_the_same_for_a_copy_in_another_folder(tmp_path):
    """Key paths differ between machines: the digest covers the key's thumbprint, not its path."""
    first = tmp_path / "here"
    first.mkdir()
    write_scenario(first)
    second = tmp_path / "there" / "deeper"
    shutil.copytree(first, second)
    digest = lambda folder: world_digest(build_world(load_scenario(folder / "scenario.yaml")))  # noqa: E731
    assert digest(first) == digest(second)


def test_world_digest_changes_with_the_consumers_key(tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir(), two.mkdir()
    write_scenario(one)
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    write_scenario(two, files={"keys/agency.pem": public_pem(other)})
    digest = lambda folder: world_digest(build_world(load_scenario(folder / "scenario.yaml")))  # noqa: E731
    assert digest(one) != digest(two)


def test_key_files_are_loaded_with_the_thumbprint_as_kid(tmp_path):
    from sandbox.keys import load_rsa_key

    path = tmp_path / "k.pem"
    path.write_bytes(public_pem(rsa_key()))
    key = load_rsa_key(str(path))
    assert key.kid == RSAKey.import_key(private_pem(rsa_key())).thumbprint()
    assert not key.is_private


# ---- the shipped keys: imported without cryptography's consistency check (sandbox/keys import_rsa_pem) ----
SHIPPED = sorted(p for p in (Path(shipped("x")).parent).glob("*.pem") if not p.name.endswith(".cert.pem"))


def test_the_package_ships_its_keys():
    assert {p.stem for p in SHIPPED} >= {"maskinporten-signing", "politi-extradition-orders", "consumer-default"}


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_every_shipped_key_passes_the_check_it_skips_at_start_up(path):
    from sandbox.keys import load_rsa_key

    data = path.read_bytes()
    checked = serialization.load_pem_private_key(data, password=None)  # raises on an inconsistent key
    assert isinstance(checked, rsa.RSAPrivateKey) and checked.key_size >= 2048
    fast = load_rsa_key(str(path))
    assert fast.thumbprint() == RSAKey.import_key(data).thumbprint()
    slow = RSAKey.import_key(data)
    slow.ensure_kid()
    assert fast.as_dict(private=True) == slow.as_dict(private=True)


def test_a_key_from_elsewhere_is_still_checked(tmp_path):
    """A consistent-looking PEM whose private numbers do not belong together: refused with the usual message."""
    from sandbox.keys import KeyFileError, load_rsa_key

    numbers = serialization.load_pem_private_key(SHIPPED[0].read_bytes(), password=None).private_numbers()
    broken = rsa.RSAPrivateNumbers(numbers.p, numbers.q, numbers.d + 2, numbers.dmp1, numbers.dmq1, numbers.iqmp,
                                   numbers.public_numbers)
    pem = broken.private_key(unsafe_skip_rsa_key_validation=True).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    (tmp_path / "broken.pem").write_bytes(pem)
    with pytest.raises(KeyFileError, match="expected a PEM-encoded RSA key"):
        load_rsa_key(str(tmp_path / "broken.pem"))
