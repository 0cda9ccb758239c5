"""`dsop-sandbox export`: a golden corpus of a scenario's answers, for regression tests in other projects.

For every party of the world (the named personas and the generated crowd; `--named` limits it to the named
personas) it runs the whole case of the default service, Skatt-Kontroll — the one service that reaches every
endpoint — from 1 January of last year to the scenario's today (the README's period; --from/--to change it), and
writes each request and answer as one JSON file with a stable name:

    directory.json
    parties/<party id>/customerRelationships.json
    parties/<party id>/<bank org>/accounts.json               OnlyPrimaryOwner=false (page 2: accounts.page-2.json)
    parties/<party id>/<bank org>/accounts.primary.json       OnlyPrimaryOwner=true
    parties/<party id>/<bank org>/<account number>/details.json
    parties/<party id>/<bank org>/<account number>/transactions.json   (transactions.page-2.json, ...)
    parties/<party id>/<bank org>/<account number>/cards.json | roles.json | owners.json
    manifest.json   scenario, seed, today, world digest, service, period, which parties ("selection": all or
                    named, how many) and every file with its SHA-256

Each file: `{"request": {method, path, query, headers, token}, "response": {status, contentType, bodySha256,
body}}`. Requests are described without their token (tokens change every run): `token` names the scope and
audience a consumer must get one for. CorrelationIDs are derived from the file name (uuid5) and the
AccountInfoRequestID from the party, so the corpus is byte-identical between runs, machines and
PYTHONHASHSEED values. `bodySha256` is the hash of the exact bytes the server sent (what `dsop-sandbox serve`
sends for the same request, as the test suite checks); `body` is that JSON, re-indented for readable diffs.

The answers are produced in-process through the Flask test client (no sockets), with auth on: every request
carries a real access token of the scenario's Skatt-Kontroll consumer, exactly as over HTTP.
"""

from __future__ import annotations

import hashlib
import json
import sys
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from sandbox.client.services import SERVICES
from sandbox.directory.listing import v2_urls

SERVICE = SERVICES["skatt"]
NAMESPACE = uuid.UUID("6f0a3c52-4d1e-5b7a-9c3e-2a1d5e8f7b60")  # uuid5 namespace of the corpus' ids
PUBLIC_URL = "http://127.0.0.1:8000"  # what `make run` serves at: the directory's URLs and token audiences
REQUESTER_ID = "dsop-sandbox-export"
FORMAT = 1
SELECTIONS = ("all", "named")  # every party of the world | the named personas (the scenario's people and
                               # organisations, without the generated crowd)


class ExportError(Exception):
    pass


def _dump(doc) -> bytes:
    """JSON for readable diffs at a modest size: objects one key per line, lists of objects or lists one item per
    line (each item compact), so a changed transaction is a one-line diff."""
    return (_render(doc, "") + "\n").encode("utf-8")


def _compact(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _render(value, pad: str) -> str:
    inner = pad + " "
    if isinstance(value, dict) and value:
        items = [f"{inner}{_compact(k)}: {_render(v, inner)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(value, list) and value and all(isinstance(v, (dict, list)) for v in value):
        return "[\n" + ",\n".join(inner + _compact(v) for v in value) + "\n" + pad + "]"
    return _compact(value)


def corpus_period(today):
    """1 January of last year to today: long enough for the personas' events (2024-01-01..2025-06-30 in the
    default scenario, the README's period), short enough to keep the corpus to a few MB."""
    return today.replace(year=today.year - 1, month=1, day=1), today


@dataclass
class Corpus:
    """The files of a corpus: kept (`files`), or handed to `sink` as they are made (a slice of a large world is
    written while it is exported: only each file's hash and size stay in memory, for the manifest)."""

    period: tuple | None = None
    files: dict[str, bytes] = field(default_factory=dict)
    sink: object = None
    listed: dict[str, tuple[str, int]] = field(default_factory=dict)

    def add(self, name: str, doc: dict) -> None:
        if name in self.listed:
            raise ExportError(f"two requests map to the same file name {name}")
        data = _dump(doc)
        self.listed[name] = (hashlib.sha256(data).hexdigest(), len(data))
        if self.sink is not None:
            self.sink(name, data)
        else:
            self.files[name] = data


class _Exporter:
    def __init__(self, services, app, corpus: Corpus, progress):
        self.services, self.world, self.corpus, self.say = services, services.world, corpus, progress
        self.http = app.test_client()
        self.consumer = next((c for c in self.world.consumers.values() if SERVICE.key in c.services), None)
        if self.consumer is None:
            raise ExportError(f"the scenario has no consumer offering {SERVICE.name} ({SERVICE.key})")
        self.tokens: dict[str, str] = {}
        default = corpus_period(self.world.today)
        start, end = (p or d for p, d in zip(corpus.period or (None, None), default, strict=True))
        self.period = {"fromDate": start.isoformat(), "toDate": end.isoformat()}
        self.public = services.settings.public_url.rstrip("/")

    # ---- one request -----------------------------------------------------------------------------------
    def token(self, scope: str, audience: str) -> str:
        if audience not in self.tokens:
            self.tokens[audience] = self.services.maskinporten.issue(self.consumer, [scope], audience, 3600)["access_token"]
        return self.tokens[audience]

    def call(self, name: str, url: str, headers: dict, scope: str | None = None, audience: str | None = None):
        """GET `url` (absolute, under the public URL), record it as file `name`; → the parsed body."""
        parts = urlsplit(url)
        headers = {**headers, "CorrelationID": str(uuid.uuid5(NAMESPACE, name))} if scope else dict(headers)
        sent = dict(headers)
        if scope:
            sent["Authorization"] = f"Bearer {self.token(scope, audience)}"
        r = self.http.get(parts.path, query_string=parts.query, headers=sent)
        raw = r.get_data()
        body = json.loads(raw) if r.mimetype == "application/json" else raw.decode("utf-8")
        request = {"method": "GET", "path": parts.path, "query": dict(parse_qsl(parts.query, keep_blank_values=True)),
                   "headers": dict(sorted(headers.items()))}
        if scope:
            request["token"] = {"scope": scope, "audience": audience, "consumer": self.consumer.org_number}
        self.corpus.add(name, {"request": request, "response": {
            "status": r.status_code, "contentType": r.mimetype, "bodySha256": hashlib.sha256(raw).hexdigest(),
            "body": body}})
        if r.status_code != 200:
            raise ExportError(f"{name}: GET {url} answered {r.status_code}: {raw[:300]!r}")
        return body

    def pages(self, name: str, url: str, base: str, headers: dict, scope: str, audience: str) -> list[dict]:
        bodies, page = [], 1
        while url:
            body = self.call(name if page == 1 else name.replace(".json", f".page-{page}.json"), url, headers,
                             scope, audience)
            bodies.append(body)
            nxt = next((link["href"] for link in body.get("links", []) if link.get("rel") == "next"), None)
            url, page = (base + nxt if nxt else None), page + 1
        return bodies

    # ---- the corpus -----------------------------------------------------------------------------------
    def run(self, parties) -> None:
        directory = self.call("directory.json",
                              f"{self.public}/altinn/v1/directharvest/Kontrollinformasjon?envelope=false", {})
        urls = {org: url.rstrip("/") for org, url in v2_urls(directory).items()}
        for n, party in enumerate(parties, start=1):
            self.say(f"[{n}/{len(parties)}] {party.id} ({party.identifier})", n, len(parties))
            self.party(party, urls)

    def party(self, party, urls: dict) -> None:
        folder = f"parties/{party.id}"
        case = {"AccountInfoRequestID": str(uuid.uuid5(NAMESPACE, f"case:{party.id}")),
                "Legal-Mandate": SERVICE.bank_header, "RequesterID": REQUESTER_ID, "Accept": "application/json"}
        register = f"{self.public}/kar-ws/api/v2"
        q = urlencode({**self.period, "onlyPrimaryOwner": "false"})
        relations = self.call(f"{folder}/customerRelationships.json",
                              f"{register}/customers/customerRelationships?{q}",
                              {**case, "CustomerID": party.identifier}, "bits:kundeforhold", register)
        for bank in relations["banks"]:
            org = bank["organizationID"]
            base = urls.get(org)
            if base is None:
                continue  # not in the directory: a digital letter, nothing to record
            here, audience, scope = f"{folder}/{org}", base, "bits:kontoinformasjon"
            listing = {**case, "PartyID": party.identifier}
            for primary, name in (("true", "accounts.primary.json"), ("false", "accounts.json")):
                q = urlencode({**self.period, "OnlyPrimaryOwner": primary})
                bodies = self.pages(f"{here}/{name}", f"{base}/accounts?{q}", base, listing, scope, audience)
            accounts = [a for body in bodies for a in body.get("accounts", [])]
            q = urlencode(self.period)
            for account in accounts:
                ref = account["accountReference"]
                if ref == "dataNotDelivered":
                    continue
                at = f"{here}/{account['accountIdentifier']}"
                url = f"{base}/accounts/{quote(ref, safe='')}"
                self.call(f"{at}/details.json", f"{url}?{q}", case, scope, audience)
                self.pages(f"{at}/transactions.json", f"{url}/transactions?{q}", base, case, scope, audience)
                self.call(f"{at}/cards.json", f"{url}/cards?{q}", case, scope, audience)
                self.call(f"{at}/roles.json", f"{url}/roles?{q}", case, scope, audience)
                self.call(f"{at}/owners.json", f"{base}/accounts/{account['accountIdentifier']}/owners?{q}", case,
                          scope, audience)


def build_corpus(scenario: str = "default", *, parties: str = "all", seed: str | None = None, today=None,
                 period: tuple | None = None, progress=None, people: range | None = None,
                 sink=None) -> tuple[dict[str, bytes], dict]:
    """→ ({relative path: bytes}, manifest) for a scenario, without writing anything. `parties`: "all" (every
    party of the world, the default) or "named" (the named personas only); `people`: instead, these generated
    people by index (a slice of a large, lazy world). With `sink(path, bytes)` the files go there as they are
    made and the dict comes back empty."""
    if parties not in SELECTIONS:
        raise ExportError(f"unknown party selection {parties!r}: one of {', '.join(SELECTIONS)}")
    from sandbox.app import build_services, create_app
    from sandbox.config import Settings
    from sandbox.scenario.catalog import resolve

    say = progress or (lambda message, done=0, total=0: None)
    with tempfile.TemporaryDirectory(prefix="dsop-sandbox-export-") as state:
        # The corpus is the standard's answers (strict, DESIGN D22): a production bank's knobs (latency, left-out
        # fields, ...) belong to a live server, not to golden fixtures (docs/compatibility.md).
        settings = Settings(scenario=scenario, seed=seed, today=today, public_url=PUBLIC_URL, audit=False,
                            state_dir=state, profile="strict")
        services = build_services(settings)
        app = create_app(settings, services)
        corpus = Corpus(period, sink=sink)
        exporter = _Exporter(services, app, corpus, say)
        world = services.world
        if people is not None:
            from sandbox.world.crowd import person_id

            selected = [world.parties[person_id(i)] for i in people if i < world.crowd_size[0]]
            parties = f"people {people.start}:{people.stop}"
        else:
            selected = [p for p in (world.parties.values() if parties == "all" else world.built_parties())
                        if parties == "all" or not p.generated]  # the world's order
        exporter.run(selected)
    source = resolve(scenario)
    files = dict(sorted(corpus.files.items()))
    manifest = {
        "format": FORMAT,
        "generator": "dsop-sandbox export",
        "scenario": {"name": world.name, "file": source.name, "sha256": hashlib.sha256(source.read_bytes()).hexdigest()},
        "seed": str(world.seed),
        "today": world.today.isoformat(),
        "digest": services.digest,
        "publicUrl": PUBLIC_URL,
        "service": {"key": SERVICE.key, "name": SERVICE.name, "consumer": exporter.consumer.org_number,
                    "legalMandate": SERVICE.bank_mandate},
        "period": exporter.period,
        "selection": {"parties": parties, "count": len(selected), "worldParties": len(world.parties)},
        "parties": [{"id": p.id, "identifier": p.identifier, "name": p.name} for p in selected],
        "requests": "Every request but directory.json carries 'Authorization: Bearer <access token>' for "
                    "request.token (scope, audience), left out here because tokens change every run.",
        "files": [{"path": path, "sha256": sha, "bytes": size} for path, (sha, size) in sorted(corpus.listed.items())],
    }
    return files, manifest


def write_corpus(out: Path, files: dict[str, bytes], manifest: dict) -> None:
    """Replace the corpus in `out`: the files an earlier manifest lists are removed first; anything else there
    is left alone."""
    clear_corpus(out)
    for path, data in files.items():
        write_file(out, path, data)
    (out / "manifest.json").write_bytes(_dump(manifest))


def write_file(out: Path, path: str, data: bytes) -> None:
    target = out / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)


def clear_corpus(out: Path) -> None:
    """Remove the corpus an earlier manifest in `out` lists (refuse a corpus without one)."""
    out.mkdir(parents=True, exist_ok=True)
    old = out / "manifest.json"
    if old.exists():
        try:
            listed = [f["path"] for f in json.loads(old.read_text(encoding="utf-8"))["files"]]
        except (ValueError, KeyError, TypeError):
            raise ExportError(f"{old} is not an export manifest: refusing to overwrite {out}") from None
        for path in listed:
            target = (out / path).resolve()
            if out.resolve() in target.parents and target.is_file():
                target.unlink()
        for folder in sorted((p for p in out.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
            if not any(folder.iterdir()):
                folder.rmdir()
    elif (out / "parties").exists() or (out / "directory.json").exists():
        raise ExportError(f"{out} holds a corpus without manifest.json: remove it first")


def _slice(text: str) -> range:
    try:
        start, stop = (int(x) for x in text.split(":"))
    except ValueError:
        raise ExportError(f"--people wants START:STOP (two whole numbers), not {text!r}") from None
    if not 0 <= start < stop:
        raise ExportError("--people wants 0 <= START < STOP")
    return range(start, stop)


def _progress(err, quiet: bool):
    """Progress on stderr: a bar redrawn in place on a terminal, a line per party otherwise."""
    if quiet:
        return lambda message, done=0, total=0: None
    if not err.isatty():
        return lambda message, done=0, total=0: print(message, file=err, flush=True)

    def bar(message, done=0, total=0):
        if not total:
            return print(message, file=err, flush=True)
        filled = 30 * done // total
        print(f"\r[{'#' * filled}{'.' * (30 - filled)}] {done}/{total} parties  {message[:60]:<60}", end="",
              file=err, flush=True)
        if done == total:
            print(file=err, flush=True)
    return bar


def run(args, err=None) -> int:
    """The `export` command."""
    err = err or sys.stderr
    from sandbox.scenario import ScenarioError

    say = _progress(err, args.quiet)
    out = Path(args.out)
    try:
        period = None
        if args.from_date or args.to_date:
            period = (args.from_date, args.to_date)
        people = _slice(args.people) if getattr(args, "people", None) else None
        stream = people is not None
        if stream:
            clear_corpus(out)
        files, manifest = build_corpus(args.scenario, parties="named" if args.named else "all", seed=args.seed,
                                       today=args.today, period=period, progress=say, people=people,
                                       sink=(lambda path, data: write_file(out, path, data)) if stream else None)
        if stream:
            (out / "manifest.json").write_bytes(_dump(manifest))
        else:
            write_corpus(out, files, manifest)
    except ScenarioError as exc:
        for problem in exc.problems:
            print(problem, file=err)
        print(f"{len(exc.problems)} problem(s) found; nothing was exported.", file=err)
        return 2
    except ExportError as exc:
        print(f"dsop-sandbox export: {exc}", file=err)
        return 1
    size = sum(f["bytes"] for f in manifest["files"])
    chosen = manifest["selection"]
    which = {"all": "every party", "named": "the named personas"}.get(chosen["parties"], f"generated {chosen['parties']}")
    print(f"{len(manifest['files'])} file(s), {size / 1e6:.1f} MB, {chosen['count']} of {chosen['worldParties']} part(y/ies) "
          f"({which}) → {args.out} (scenario {manifest['scenario']['name']}, digest {manifest['digest'][:16]}…)",
          file=err)
    return 0


HELP = "write a golden corpus: every request and answer of a scenario's cases, with a manifest"
DESCRIPTION = "Write a golden corpus of a scenario's answers, for regression tests in other projects.\n\n" + \
    __doc__.split("\n\n", 1)[1].split("\n\nThe answers")[0]
EPILOG = """By default every party of the world is exported, the generated crowd included (the default scenario:
372 parties, about 7300 files and 180 MB, half a minute). --named limits it to the named personas (the default
scenario: 22 parties, about 8 MB): that is the committed corpus fixtures/default (make fixtures).
manifest.json says which: "selection": {"parties": "all" | "named", "count": N, "worldParties": M}.

examples:
  dsop-sandbox export --scenario default --out fixtures/default --named
  dsop-sandbox export --scenario scenarios/small.yaml --out /tmp/corpus
  sha256sum -c <(python3 -c 'import json;[print(f["sha256"]+"  "+f["path"]) for f in json.load(open("manifest.json"))["files"]]')"""


def add_arguments(p) -> None:
    from sandbox.cli.args import iso_date

    p.add_argument("--scenario", default="default", metavar="FILE",
                   help="scenario YAML file, or a shipped scenario's name (default: default)")
    p.add_argument("--out", required=True, metavar="DIR", help="where to write (a corpus there is replaced)")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--named", action="store_true",
                       help="only the named personas, without the generated crowd (default: every party)")
    which.add_argument("--all", action="store_true",
                       help="every party, the generated crowd included (the default; --all is still accepted)")
    which.add_argument("--people", metavar="START:STOP",
                       help="a slice of the generated crowd instead: people START..STOP-1 by index, written as they "
                            "are exported (a national-scale world is generated on demand; docs/performance.md)")
    p.add_argument("--seed", help="override the scenario's seed")
    p.add_argument("--today", type=iso_date, metavar="YYYY-MM-DD", help="fix the sandbox's date")
    p.add_argument("--from", dest="from_date", type=iso_date, metavar="YYYY-MM-DD",
                   help="the cases' fromDate (default: 1 January of last year)")
    p.add_argument("--to", dest="to_date", type=iso_date, metavar="YYYY-MM-DD", help="the cases' toDate (default: today)")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
