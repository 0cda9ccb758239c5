"""Issue 19: `dsop-sandbox export --people START:STOP` exports a slice of the generated crowd, writing each file as
it is made (a national-scale world is lazy: its crowd cannot be listed up front), with the same answers as the
in-memory export of the same parties and a manifest that lists exactly the files written."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from sandbox.cli import main as cli
from sandbox.cli.export import build_corpus

ROOT = Path(__file__).resolve().parents[2]
CROWD = "\ngenerate:\n  people: {count: 6}\n  organisations: {count: 1}\n"


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    path = tmp_path_factory.mktemp("scenario") / "sliced.yaml"
    path.write_text((ROOT / "scenarios" / "small.yaml").read_text(encoding="utf-8") + CROWD, encoding="utf-8")
    return path


@pytest.mark.slow  # two exports: about 3 s
def test_a_slice_of_the_crowd_streams_the_same_answers(scenario, tmp_path, capsys):
    out = tmp_path / "slice"
    assert cli.main(["export", "--scenario", str(scenario), "--out", str(out), "--people", "2:4"]) == 0
    err = capsys.readouterr().err
    assert "[2/2] gen-p-000003" in err and "(generated people 2:4)" in err  # progress, then the summary
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["selection"] == {"parties": "people 2:4", "count": 2, "worldParties": 12}
    assert [p["id"] for p in manifest["parties"]] == ["gen-p-000002", "gen-p-000003"]
    written = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    written.pop("manifest.json")
    assert sorted(written) == [f["path"] for f in manifest["files"]]
    assert all(hashlib.sha256(written[f["path"]]).hexdigest() == f["sha256"] for f in manifest["files"])
    in_memory, _ = build_corpus(str(scenario), people=range(2, 4))
    assert in_memory == written
    assert {path.split("/")[1] for path in written if path.startswith("parties/")} == {"gen-p-000002", "gen-p-000003"}


def test_a_slice_past_the_crowd_is_empty_and_a_bad_slice_is_refused(scenario, tmp_path, capsys):
    assert cli.main(["export", "--scenario", str(scenario), "--out", str(tmp_path / "past"), "--people", "6:9",
                     "--quiet"]) == 0
    assert json.loads((tmp_path / "past" / "manifest.json").read_text())["selection"]["count"] == 0
    for bad in ("3", "4:2", "a:b"):
        assert cli.main(["export", "--scenario", str(scenario), "--out", str(tmp_path / "bad"), "--people", bad]) == 1
        assert "--people wants" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["export", "--out", str(tmp_path), "--people", "1:2", "--named"])
