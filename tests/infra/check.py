"""The deployment files against the binary they deploy (`make test-infra`).

kubernetes-validate and checkov say the manifests are valid Kubernetes and keep to the
hardening rules; this says they would start: the ConfigMap's keys, the image's ENV and the
Secret's configuration file are loaded by the real `careportal config print` (unknown keys
and bad values fail it), every container's arguments are a command the binary has, and the
ports the probes and Services name are the ones the configuration listens on. The AWS
policies are checked to be JSON that grants only what infra/aws/README.md says.

Usage: python tests/infra/check.py BIN   (run from the repository root)
"""

import json
import os
import pathlib
import re
import subprocess
import sys
import tempfile

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
failures = []


def fail(message):
    failures.append(message)
    print(f"FOUT: {message}")


def manifests():
    for path in sorted((ROOT / "infra" / "k8s").glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text()):
            if document:
                yield path.name, document


def image_env():
    """The ENV of the Containerfile's last stage, as the container starts with it."""
    text = (ROOT / "infra" / "Containerfile").read_text().replace("\\\n", " ")
    stage = text.split("\nFROM ")[-1]
    env = {}
    for line in stage.splitlines():
        if line.startswith("ENV "):
            for key, value in re.findall(r"(\w+)=(\S+)", line[4:]):
                env[key] = value
    return env


def config_print(binary, env, toml_text, secret_dir):
    """`careportal config print` with the given environment and configuration file."""
    toml_path = secret_dir / "careportal.toml"
    key_path = secret_dir / "secret_key"
    key_path.write_text("q1Xb7m2ZsV4lM8pA0cR6tY3uI9oE5wKjH1gF2dS7aQ0=\n")
    toml_path.write_text(toml_text.replace("/run/secrets/careportal/secret_key", str(key_path)))
    full = {k: v for k, v in os.environ.items() if not k.startswith("CAREPORTAL_")}
    full.update(env)
    full["CAREPORTAL_CONFIG"] = str(toml_path)
    # The image's folders do not exist here; the checks are of names and values.
    for folder in ("CAREPORTAL_DATA_DIR", "CAREPORTAL_TENANTS_DIR", "CAREPORTAL_POLICIES_DIR"):
        if folder in full:
            full[folder] = str(ROOT / {"CAREPORTAL_DATA_DIR": "data", "CAREPORTAL_TENANTS_DIR": "tenants", "CAREPORTAL_POLICIES_DIR": "policies"}[folder])
    return subprocess.run([binary, "config", "print"], env=full, capture_output=True, text=True, cwd=secret_dir)


def main():
    binary = str(pathlib.Path(sys.argv[1]).resolve())
    docs = list(manifests())
    by_kind = {}
    for name, doc in docs:
        by_kind.setdefault(doc["kind"], []).append((name, doc))

    configmap = next(d for _, d in by_kind["ConfigMap"] if d["metadata"]["name"] == "careportal")["data"]
    secrets = {d["metadata"]["name"]: d["stringData"] for _, d in by_kind["Secret"]}
    base_env = {**image_env(), **configmap}

    # The workloads: each container's command, its config, its ports.
    workloads = by_kind.get("Deployment", []) + by_kind.get("Job", [])
    listen_port = int(configmap["CAREPORTAL_LISTEN"].rsplit(":", 1)[1])
    metrics_port = int(configmap["CAREPORTAL_METRICS_LISTEN"].rsplit(":", 1)[1])
    for name, workload in workloads:
        pod = workload["spec"]["template"]["spec"]
        mounts_by_volume = {v["name"]: v for v in pod.get("volumes", [])}
        for container in pod["containers"]:
            where = f"{name} {workload['metadata']['name']}/{container['name']}"
            args = container.get("args", [])
            helped = subprocess.run([binary, *args, "--help"], capture_output=True, text=True)
            if helped.returncode != 0:
                fail(f"{where}: `careportal {' '.join(args)}` is geen opdracht van de binary: {helped.stderr.strip()}")
            env = dict(base_env)
            for item in container.get("env", []):
                env[item["name"]] = item["value"]
            if any("secretRef" in source for source in container.get("envFrom", [])) or any(
                "secretKeyRef" in item.get("valueFrom", {}) for item in container.get("env", [])
            ):
                fail(f"{where}: geheimen horen in een bestand, niet in de omgeving")
            config_path = env.get("CAREPORTAL_CONFIG", "")
            mount = next((m for m in container.get("volumeMounts", []) if config_path.startswith(m["mountPath"] + "/")), None)
            if mount is None:
                fail(f"{where}: CAREPORTAL_CONFIG {config_path!r} ligt niet in een gekoppeld volume")
                continue
            volume = mounts_by_volume[mount["name"]]
            sources = [volume["secret"]["secretName"]] if "secret" in volume else [s["secret"]["name"] for s in volume["projected"]["sources"]]
            toml_text = next((secrets[s]["careportal.toml"] for s in sources if "careportal.toml" in secrets.get(s, {})), None)
            if toml_text is None:
                fail(f"{where}: geen careportal.toml in {sources}")
                continue
            if not any("secret_key" in secrets.get(s, {}) for s in sources):
                fail(f"{where}: de geheime sleutel (secret_key) is niet gekoppeld")
            env.pop("CAREPORTAL_CONFIG")
            with tempfile.TemporaryDirectory() as folder:
                printed = config_print(binary, env, toml_text, pathlib.Path(folder))
            if printed.returncode != 0 or "waarschuwing" in printed.stderr:
                fail(f"{where}: de configuratie laadt niet: {printed.stderr.strip()}")
                continue
            if "postgres://" not in printed.stdout or "production" not in printed.stdout:
                fail(f"{where}: config print noemt geen PostgreSQL in productie:\n{printed.stdout}")
            ports = {p["name"]: p["containerPort"] for p in container.get("ports", [])}
            if "http" in ports and ports["http"] != listen_port:
                fail(f"{where}: containerPort http {ports['http']} maar listen is {listen_port}")
            if "metrics" in ports and ports["metrics"] != metrics_port:
                fail(f"{where}: containerPort metrics {ports['metrics']} maar metrics_listen is {metrics_port}")
            for probe in ("readinessProbe", "livenessProbe"):
                port = container.get(probe, {}).get("httpGet", {}).get("port")
                if port is not None and port not in ports:
                    fail(f"{where}: {probe} noemt poort {port!r}, die de container niet heeft")

    # Every Service's targetPort is a named port of the Deployments' pods it selects (a Job's
    # pod without the port is left out of the endpoints by Kubernetes itself).
    for name, service in by_kind.get("Service", []):
        selector = service["spec"]["selector"]
        pods = [w for _, w in by_kind.get("Deployment", []) if all(w["spec"]["template"]["metadata"]["labels"].get(k) == v for k, v in selector.items())]
        if not pods:
            fail(f"{name} {service['metadata']['name']}: selecteert geen enkele pod")
        for port in service["spec"]["ports"]:
            for pod in pods:
                named = {p["name"] for c in pod["spec"]["template"]["spec"]["containers"] for p in c.get("ports", [])}
                if port["targetPort"] not in named:
                    fail(f"{name} {service['metadata']['name']}: targetPort {port['targetPort']} niet in {pod['metadata']['name']}")

    # The AWS policies: JSON, and no wildcard action or resource.
    for path in sorted((ROOT / "infra" / "aws").glob("*.json")):
        try:
            policy = json.loads(path.read_text())
        except json.JSONDecodeError as error:
            fail(f"{path.name}: geen geldige JSON: {error}")
            continue
        if policy.get("Version") != "2012-10-17":
            fail(f"{path.name}: Version moet 2012-10-17 zijn")
        for statement in policy.get("Statement", []):
            actions = statement.get("Action", [])
            actions = [actions] if isinstance(actions, str) else actions
            if statement.get("Effect") == "Allow" and any(a == "*" or a.endswith(":*") for a in actions):
                fail(f"{path.name}: {statement.get('Sid')}: een wildcard-actie")
            if statement.get("Effect") == "Allow" and statement.get("Resource") == "*" and "Condition" not in statement:
                fail(f"{path.name}: {statement.get('Sid')}: Resource * zonder voorwaarde")

    if failures:
        print(f"{len(failures)} fout(en) in infra/")
        sys.exit(1)
    print(f"infra: {len(workloads)} workloads laden hun configuratie met de echte binary; Services en AWS-beleid kloppen")


main()
