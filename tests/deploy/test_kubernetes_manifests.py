"""The Kubernetes base (deploy/kubernetes/) validated offline: every resource against the Kubernetes JSON schemas
`kubernetes-validate` ships (strict: an unknown field is an error), the kustomization listing every file, and what
ties the pieces together — the Deployment's N replicas, probes on /health at the container's port, the Service
selecting its pods, every ConfigMap and Secret key it reads present, every variable a real `serve` option, the
scenario in the ConfigMap one the sandbox loads. Where a `kustomize` or `kubectl` binary exists, the rendered
output is validated too."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from sandbox.cli import main as cli
from sandbox.cli.args import env_name

kubernetes_validate = pytest.importorskip("kubernetes_validate")

BASE = Path(__file__).resolve().parents[2] / "deploy" / "kubernetes"
K8S_VERSION = "1.30"  # the oldest Kubernetes the base is checked against (a supported release when written)


def kustomization() -> dict:
    return yaml.safe_load((BASE / "kustomization.yaml").read_text(encoding="utf-8"))


def resources() -> list[dict]:
    docs = []
    for name in kustomization()["resources"]:
        docs += [d for d in yaml.safe_load_all((BASE / name).read_text(encoding="utf-8")) if d]
    return docs


def one(kind: str, name: str) -> dict:
    found = [d for d in resources() if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(found) == 1, (kind, name)
    return found[0]


def test_the_kustomization_lists_every_file_and_only_those():
    files = sorted(p.name for p in BASE.glob("*.yaml") if p.name != "kustomization.yaml")
    assert sorted(kustomization()["resources"]) == files


@pytest.mark.parametrize("doc", resources(), ids=lambda d: f"{d['kind']}/{d['metadata']['name']}")
def test_every_resource_validates_against_the_kubernetes_schema(doc):
    kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


def test_the_validation_can_fail():
    bad = one("Deployment", "dsop-sandbox")
    bad = {**bad, "spec": {**bad["spec"], "replicas": "two"}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(bad, K8S_VERSION, strict=True)


def test_the_deployment_runs_replicas_probed_on_health_with_its_config():
    deployment = one("Deployment", "dsop-sandbox")
    spec = deployment["spec"]
    assert spec["replicas"] >= 2
    pod = spec["template"]["spec"]
    assert spec["selector"]["matchLabels"].items() <= spec["template"]["metadata"]["labels"].items()
    (container,) = pod["containers"]
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports == {"http": 8000}
    for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
        assert container[probe]["httpGet"] == {"path": "/health", "port": "http"}, probe
    assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] == 10001
    assert pod["terminationGracePeriodSeconds"] > 70  # serve's graceful timeout: SIGTERM drains before SIGKILL

    settings = one("ConfigMap", container["envFrom"][0]["configMapRef"]["name"])["data"]
    secret = one("Secret", "dsop-sandbox")["stringData"]
    for env in container["env"]:
        ref = env["valueFrom"]["secretKeyRef"]
        assert ref["name"] == "dsop-sandbox" and ref["key"] in secret
    names = set(settings) | {e["name"] for e in container["env"]}
    serve = cli.build_parser()._subparsers._group_actions[0].choices["serve"]
    options = {env_name(o) for a in serve._actions for o in a.option_strings if o.startswith("--")}
    assert names <= options, names - options  # every variable is a real serve option
    assert {"DSOP_SANDBOX_STATE_URL", "DSOP_SANDBOX_ADMIN_TOKEN", "DSOP_SANDBOX_SCENARIO"} <= names
    assert secret["state-url"].startswith("postgresql://")

    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert settings["DSOP_SANDBOX_SCENARIO"].startswith(mounts["scenario"] + "/")
    scenario_map = one("ConfigMap", volumes["scenario"]["configMap"]["name"])
    assert Path(settings["DSOP_SANDBOX_SCENARIO"]).name in scenario_map["data"]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True and "/tmp" in mounts.values()


def test_the_service_selects_the_pods_on_their_port():
    service = one("Service", "dsop-sandbox")
    labels = one("Deployment", "dsop-sandbox")["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= labels.items()
    assert service["spec"]["ports"][0]["targetPort"] == "http"


def test_the_database_the_secret_names_is_the_one_the_base_runs():
    secret = one("Secret", "dsop-sandbox")["stringData"]["state-url"]
    db = one("Secret", "dsop-sandbox-postgresql")["stringData"]
    service = one("Service", "dsop-sandbox-postgresql")
    expected = (f"postgresql://{db['POSTGRES_USER']}:{db['POSTGRES_PASSWORD']}@{service['metadata']['name']}:"
                f"{service['spec']['ports'][0]['port']}/{db['POSTGRES_DB']}")
    assert secret == expected


def test_the_scenario_in_the_config_map_loads(tmp_path):
    from sandbox.scenario import load_scenario
    from sandbox.world import build_world

    path = tmp_path / "scenario.yaml"
    path.write_text(one("ConfigMap", "dsop-sandbox-scenario")["data"]["scenario.yaml"], encoding="utf-8")
    world = build_world(load_scenario(path))
    assert world.name == "kubernetes-demo" and len(world.banks) == 2


def render() -> list[dict]:
    """The base as `kustomize build` renders it, for the two transformers it uses (`labels` without selectors:
    metadata labels; `images`: the container images renamed), so the rendered resources are validated here where
    no kustomize binary exists."""
    k = kustomization()
    labels = {key: value for entry in k.get("labels", []) for key, value in entry["pairs"].items()}
    images = {i["name"]: f"{i.get('newName', i['name'])}:{i['newTag']}" for i in k.get("images", [])}
    out = []
    for doc in resources():
        doc = yaml.safe_load(yaml.safe_dump(doc))
        doc["metadata"].setdefault("labels", {}).update(labels)
        pod = doc.get("spec", {}).get("template", {}).get("spec", {})
        for container in pod.get("containers", []):
            container["image"] = images.get(container["image"], container["image"])
        out.append(doc)
    return out


def test_the_rendered_resources_validate_and_name_the_image():
    rendered = render()
    for doc in rendered:
        kubernetes_validate.validate(doc, K8S_VERSION, strict=True)
        assert doc["metadata"]["labels"]["app.kubernetes.io/part-of"] == "dsop-sandbox"
    (deployment,) = [d for d in rendered if d["kind"] == "Deployment"]
    assert deployment["spec"]["template"]["spec"]["containers"][0]["image"] == "localhost/dsop-sandbox:0.1.0"


@pytest.mark.skipif(not (shutil.which("kustomize") or shutil.which("kubectl")),
                    reason="no kustomize or kubectl binary: the files are validated one by one above")
def test_the_rendered_base_validates():
    cmd = ["kustomize", "build", str(BASE)] if shutil.which("kustomize") else ["kubectl", "kustomize", str(BASE)]
    rendered = [d for d in yaml.safe_load_all(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
                if d]
    assert {d["kind"] for d in rendered} >= {"Deployment", "Service", "ConfigMap", "Secret", "StatefulSet"}
    for doc in rendered:
        kubernetes_validate.validate(doc, K8S_VERSION, strict=True)
