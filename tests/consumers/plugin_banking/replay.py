"""Play flow.yaml against a running sandbox, the way plugin-banking would: every request as the fixture spells it,
every answer read through models.py.

`replay(base_url, ssn, today)` → a Replay: the exchanges in the order sent, each with what was sent, the status,
the decrypted and parsed body, and the model error if the plugin would have refused the body. The flow stops where
the plugin's would: a refused token or register call ends the case (an ApiException in Plugin.cs); a refused call
at a bank ends that bank only (BankService catches per bank and marks it HasErrors), the next bank is asked.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from joserfc import jws
from joserfc.jwk import RSAKey

from sandbox.client.auth import decrypt, load_key
from sandbox.keys import HERE as KEYS_DIR
from sandbox.keys.certificates import certificate_path
from sandbox.maskinporten.assertions import x5c_chain

from . import models

FLOW = Path(__file__).with_name("flow.yaml")
PLACEHOLDER = re.compile(r"\{([A-Za-z0-9_.:+-]+)\}")


def load_flow() -> dict:
    return yaml.safe_load(FLOW.read_text(encoding="utf-8"))


def add_months(day: dt.date, months: int) -> dt.date:
    """.NET DateTime.AddMonths: the same day of the month, clamped to the month's last day."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


@dataclass
class Exchange:
    step: str
    kind: str
    method: str
    url: str
    headers: dict
    status: int
    content_type: str
    body: object  # parsed JSON (decrypted), or the raw text when it is not JSON
    model_error: str | None = None
    expect: dict = field(default_factory=dict)
    context: dict = field(default_factory=dict)  # the for_each items (bank, account) the step ran for


@dataclass
class Replay:
    exchanges: list[Exchange] = field(default_factory=list)
    stops: list[str] = field(default_factory=list)  # where the flow (or a bank of it) ended early, and why

    def of(self, step: str) -> list[Exchange]:
        return [e for e in self.exchanges if e.step == step]


class _Player:
    def __init__(self, base_url: str, ssn: str, today: dt.date, flow: dict, key: RSAKey, certificate: Path):
        self.base, self.flow, self.key = base_url.rstrip("/"), flow, key
        self.chain = x5c_chain(certificate)  # the business certificate the assertion's x5c carries
        period = flow["period"]
        meta = self.get_json(self.base + "/maskinporten/.well-known/oauth-authorization-server")
        consumer = flow["consumer"]
        self.values = {
            "token_endpoint": meta["token_endpoint"], "issuer": meta["issuer"],
            "register": self.base + "/kar-ws/api/v2",
            "directory": self.base + "/altinn/v1/directharvest/Kontrollinformasjon",
            "ssn": ssn, "case": str(uuid.uuid4()), "correlation:case": str(uuid.uuid4()),
            "client_id": consumer["client_id"],
            "fromDate": add_months(today, -period["fromDate"]["months_before_today"]).isoformat(),
            "toDate": today.isoformat(),
        }
        self.tokens: dict[str, str] = {}
        self.register_orgs: set[str] = set()
        self.replay = Replay()

    # ---- HTTP ----------------------------------------------------------------------------------------------
    @staticmethod
    def get_json(url: str):
        with urllib.request.urlopen(url, timeout=30) as r:
            return json.loads(r.read())

    def send(self, method: str, url: str, headers: dict, data: bytes | None):
        request = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=60) as r:
                return r.status, r.headers.get_content_type(), r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers.get_content_type(), e.read()

    # ---- templates -----------------------------------------------------------------------------------------
    def fill(self, value, extra: dict):
        if isinstance(value, str):
            def one(m):
                name = m.group(1)
                if name == "correlation:new":
                    return str(uuid.uuid4())
                if name.startswith("token:"):
                    return self.tokens[name[6:]]
                if name in extra:
                    return str(extra[name])
                if name in self.values:
                    return str(self.values[name])
                raise KeyError(f"flow.yaml names an unknown placeholder {{{name}}}")
            return PLACEHOLDER.sub(one, value)
        if isinstance(value, list):
            return [self.fill(v, extra) for v in value]
        if isinstance(value, dict):
            return {k: self.fill(v, extra) for k, v in value.items()}
        return value

    @staticmethod
    def items(context: dict) -> dict:
        """The current for_each items as placeholders: {bank.url}, {account.accountReference}, ..."""
        return {f"{what}.{k}": v for what, item in context.items() for k, v in item.items()
                if isinstance(v, (str, int))}

    # ---- steps ---------------------------------------------------------------------------------------------
    def assertion(self, step: dict, extra: dict) -> str:
        """The client assertion exactly as flow.yaml describes it: its header (MaskinportenUtil.cs: alg and x5c,
        `typ` and `kid` removed — joserfc's jwt.encode would add `typ`, so the JWS is serialised directly) and its
        claims (`{now}`, `{now+N}`, `{uuid}`, placeholders); a claim whose value is null is left out, as the
        Altinn client leaves out an empty `resource`."""
        spec, now = step["assertion"], int(time.time())
        header = {k: (self.chain if k == "x5c" else self.fill(v, extra)) for k, v in spec["header"].items()}
        claims = {}
        for name, template in spec["claims"].items():
            special = {"{now}": now, "{uuid}": str(uuid.uuid4())}
            if template in special:
                claims[name] = special[template]
            elif isinstance(template, str) and template.startswith("{now+"):
                claims[name] = now + int(template[5:-1])
            else:
                claims[name] = self.fill(template, {**extra, "scope": step["scope"]})
        payload = json.dumps(claims, separators=(",", ":")).encode()
        return jws.serialize_compact(header, payload, self.key, algorithms=[header["alg"]])

    def run_step(self, step: dict, context: dict) -> Exchange:
        extra = self.items(context)
        spec = step["request"]
        headers = self.fill(spec.get("headers", {}), extra)
        url = self.fill(spec["url"], extra)
        if "query" in spec:
            # NSwag: Uri.EscapeDataString on each name and value
            url += "?" + "&".join(f"{urllib.parse.quote(k, safe='')}={urllib.parse.quote(self.fill(v, extra), safe='')}"
                                  for k, v in spec["query"])
        data = None
        if "form" in spec:
            form = self.fill({k: v for k, v in spec["form"].items() if v != "{assertion}"}, extra)
            form.update({k: self.assertion(step, extra) for k, v in spec["form"].items() if v == "{assertion}"})
            data = urllib.parse.urlencode(form).encode()
        status, content_type, raw = self.send(spec["method"], url, headers, data)
        body, error = self.read(step, status, content_type, raw)
        exchange = Exchange(step["id"], step["kind"], spec["method"], url, headers, status, content_type, body, error,
                            self.fill(step.get("expect", {}), extra), dict(context))
        self.replay.exchanges.append(exchange)
        return exchange

    def read(self, step: dict, status: int, content_type: str, raw: bytes):
        """The body as the plugin reads it: JWE decrypted (Bankv2.cs, 2xx only), then its model."""
        try:
            if step.get("decrypt") and 200 <= status < 300:
                if content_type != "application/jose":
                    return raw.decode("utf-8", "replace"), f"expected an application/jose answer, got {content_type}"
                raw = decrypt(raw, self.key)
            body = json.loads(raw) if raw else None
        except Exception as exc:  # noqa: BLE001 - any failure to decrypt or parse is the plugin's failure too
            return raw.decode("utf-8", "replace"), f"{type(exc).__name__}: {exc}"
        kind = step["kind"]
        try:
            if kind == "directory" and status == 200:
                models.endpoint_list(body)
            elif kind in models.SUCCESS:
                (models.SUCCESS if status == 200 else models.FAILURE)[kind].parse(body)
        except models.ModelError as exc:
            return body, str(exc)
        return body, None

    # ---- the flow ------------------------------------------------------------------------------------------
    def run(self, steps: list, context: dict) -> bool:
        """Run plain `steps`; False when the plugin's code would stop here (the caller decides how far that
        reaches: the whole case, or one bank)."""
        for step in steps:
            exchange = self.run_step(step, context)
            if exchange.status != 200 or exchange.model_error:
                self.replay.stops.append(f"{step['id']} answered {exchange.status}" + (
                    f" ({exchange.model_error})" if exchange.model_error else ""))
                return False
            if step["kind"] == "token":
                self.tokens[step["id"]] = exchange.body["access_token"]
            elif step["kind"] == "kar":
                self.register_orgs = {b["organizationID"] for b in exchange.body["banks"]}
            context.setdefault("_answers", {})[step["id"]] = exchange.body
        return True

    def items_for(self, what: str, context: dict) -> list[dict]:
        answers = context.get("_answers", {})
        if what == "bank":
            keep = next(s for s in self.flow["steps"] if s.get("id") == "directory")["keep"]
            dropped = {v.upper() for v in keep["drop_versions"]}
            return [e for e in answers.get("directory", [])
                    if e["orgNo"] in self.register_orgs and e["version"].upper() not in dropped]
        if what == "account":
            return list(answers.get("accounts", {}).get("accounts") or [])
        raise KeyError(what)

    def play(self) -> Replay:
        context: dict = {"_answers": {}}
        top = [s for s in self.flow["steps"] if "for_each" not in s]
        if self.run(top, context):
            for step in (s for s in self.flow["steps"] if "for_each" in s):
                for item in self.items_for(step["for_each"], context):
                    bank_context = {"_answers": dict(context["_answers"]), step["for_each"]: item}
                    self.run_bank(step["steps"], bank_context)
        return self.replay

    def run_bank(self, steps: list, context: dict) -> None:
        """One bank: its token, its accounts, then per account transactions and details; a failure ends the bank."""
        for step in steps:
            if "for_each" in step:
                for item in self.items_for(step["for_each"], context):
                    if not self.run(step["steps"], {**context, step["for_each"]: item}):
                        return
                continue
            if not self.run([step], context):
                return


def replay(base_url: str, ssn: str, today: dt.date) -> Replay:
    """Play flow.yaml as the consumer it names, with its shipped key and test certificate (sandbox/keys)."""
    flow = load_flow()
    key_file = KEYS_DIR / f"consumer-{flow['consumer']['org_number']}.pem"
    return _Player(base_url, ssn, today, flow, load_key(key_file), certificate_path(key_file)).play()
