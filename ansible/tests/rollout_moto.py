#!/usr/bin/env python3
"""Runs ansible/ml-playbook.yml's AWS steps for real against moto on loopback.

Started by scripts/check-ansible with .venv-deploy's Python. What is real and what is stubbed:

* real, against moto (EC2, Auto Scaling, ELBv2, SSM, KMS): the amazon.aws.aws_ec2 inventory (via
  `ansible-inventory --list`), every amazon.aws.ssm_parameter lookup (the target group ARN, the image
  repository, the GHCR token as a KMS-encrypted SecureString), community.aws.elb_target deregistering and
  re-registering each instance, community.aws.elb_target_group_info reading the deregistration delay and target
  health, and amazon.aws.ssm_parameter putting the previous image tag back after a failed release;
* stubbed (no Docker engine here; the role's tasks say "STUB (no Docker engine)"): the GHCR login, the image
  pull, the running container's tag (a file per host under the stub state directory) and the container
  replacement. Hosts are reached with the local connection (moto's instances do not exist), and /health/ready
  is answered by a tiny HTTP stub that plays the container: the health URL carries the tag the role has just
  started, and the stub answers 503 for tags in its broken set, 200 for the rest.

Scenarios: inventory; a successful rolling release (v1.0.0 -> v1.1.0, one host at a time); a preflight refusal
(target_status_timeout not longer than the deregistration delay: nothing is touched); a broken release whose
health check fails on the first host (the rescue puts the previous tag back, re-registers it, restores the SSM
tag and stops the rollout before the second host).
Prints "ansible-moto: N passed, M failed" last; exits 1 on any failure.
"""

from __future__ import annotations

import http.server
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.request
from pathlib import Path

import boto3

ROOT = Path(__file__).resolve().parents[2]
ANSIBLE_DIR = ROOT / "ansible"
VENV_BIN = Path(sys.executable).parent
REGION = "eu-west-1"
PROJECT = "skiff-test"
ENVIRONMENT = "staging"
PREFIX = f"/{PROJECT}/{ENVIRONMENT}"
ASG_NAME = f"{PROJECT}-{ENVIRONMENT}-asg"
PORT = 5001
DEREGISTRATION_DELAY = 45
GHCR_TOKEN = "ghp_moto-test-token-never-printed-0123456789"
BROKEN_TAG = "v1.2.0-broken"

RESULTS: list[tuple[str, bool, str]] = []


def log(message: str) -> None:
    print(f"ansible-moto: {message}", flush=True)


def check(name: str, ok: bool, detail: str = "") -> bool:
    RESULTS.append((name, ok, detail))
    print(f"  {'PASS' if ok else 'FAIL'}  {name}" + (f"  ({detail})" if detail and not ok else ""), flush=True)
    return ok


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------------------------------------------------------
# Peers: moto_server and the /health/ready stub
# ---------------------------------------------------------------------------------------------------------------


class Moto:
    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        moto_server = VENV_BIN / "moto_server"
        if not moto_server.exists():
            moto_server = Path(shutil.which("moto_server") or "moto_server")
        self.log_path = workdir / "moto.log"
        self.log_file = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            [str(moto_server), "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/moto-api/", timeout=1):
                    break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"moto_server did not start; see {self.log_path}") from None
                time.sleep(0.2)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log_file.close()


class HealthStub:
    """GET /<tag>/health/ready: 503 if <tag> is in `broken`, else 200 {"status":"ready"}."""

    def __init__(self) -> None:
        self.broken: set[str] = set()
        self.seen: list[str] = []
        stub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                parts = self.path.strip("/").split("/")
                tag = parts[0] if len(parts) == 3 and parts[1:] == ["health", "ready"] else None
                if tag is None:
                    self.send_response(404)
                    self.end_headers()
                    return
                stub.seen.append(tag)
                ok = tag not in stub.broken
                body = json.dumps({"status": "ready" if ok else "not_ready"}).encode()
                self.send_response(200 if ok else 503)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# ---------------------------------------------------------------------------------------------------------------
# AWS fixtures in moto: what Terraform would have created
# ---------------------------------------------------------------------------------------------------------------


class Fleet:
    def __init__(self, moto: Moto) -> None:
        self.moto = moto
        kw = dict(region_name=REGION, endpoint_url=moto.url, aws_access_key_id="testing",
                  aws_secret_access_key="testing")
        self.ec2 = boto3.client("ec2", **kw)
        self.asg = boto3.client("autoscaling", **kw)
        self.elbv2 = boto3.client("elbv2", **kw)
        self.ssm = boto3.client("ssm", **kw)
        self.kms = boto3.client("kms", **kw)

        vpc = self.ec2.create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]["VpcId"]
        subnets = [
            self.ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=az)["Subnet"]["SubnetId"]
            for cidr, az in (("10.40.16.0/20", f"{REGION}a"), ("10.40.32.0/20", f"{REGION}b"))
        ]
        self.ec2.create_launch_template(
            LaunchTemplateName=f"{PROJECT}-{ENVIRONMENT}",
            LaunchTemplateData={
                "ImageId": "ami-12c6146b",  # one of moto's built-in AMIs
                "InstanceType": "t3.small",
                "MetadataOptions": {"HttpTokens": "required", "HttpPutResponseHopLimit": 2},
            },
        )
        self.tg_arn = self.elbv2.create_target_group(
            Name=f"{PROJECT}-{ENVIRONMENT}", Protocol="HTTP", Port=PORT, VpcId=vpc, TargetType="instance",
            HealthCheckPath="/health/ready", HealthCheckPort="traffic-port",
        )["TargetGroups"][0]["TargetGroupArn"]
        self.elbv2.modify_target_group_attributes(
            TargetGroupArn=self.tg_arn,
            Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": str(DEREGISTRATION_DELAY)}],
        )
        tags = [{"Key": "Project", "Value": PROJECT}, {"Key": "Environment", "Value": ENVIRONMENT},
                {"Key": "Service", "Value": "skiff"}]
        self.asg.create_auto_scaling_group(
            AutoScalingGroupName=ASG_NAME,
            LaunchTemplate={"LaunchTemplateName": f"{PROJECT}-{ENVIRONMENT}", "Version": "$Latest"},
            MinSize=2, MaxSize=4, DesiredCapacity=2,
            VPCZoneIdentifier=",".join(subnets),
            TargetGroupARNs=[self.tg_arn],
            HealthCheckType="ELB",
            Tags=[{**t, "PropagateAtLaunch": True, "ResourceId": ASG_NAME, "ResourceType": "auto-scaling-group"}
                  for t in tags],
        )
        self.instance_ids = sorted(
            i["InstanceId"]
            for i in self.asg.describe_auto_scaling_groups(AutoScalingGroupNames=[ASG_NAME])
            ["AutoScalingGroups"][0]["Instances"]
        )
        # An instance the inventory must leave out: the same project tags, but not in the group.
        self.stray_id = self.ec2.run_instances(
            ImageId="ami-12c6146b", MinCount=1, MaxCount=1, SubnetId=subnets[0],
            TagSpecifications=[{"ResourceType": "instance", "Tags": tags}],
        )["Instances"][0]["InstanceId"]
        reservations = self.ec2.describe_instances(InstanceIds=self.instance_ids)["Reservations"]
        self.private_ip = {i["InstanceId"]: i["PrivateIpAddress"] for r in reservations for i in r["Instances"]}
        # Terraform registers the ASG with the target group; make sure moto did the same.
        registered = self.registered()
        if set(registered) != set(self.instance_ids):
            self.elbv2.register_targets(TargetGroupArn=self.tg_arn,
                                        Targets=[{"Id": i, "Port": PORT} for i in self.instance_ids])

        # SSM: the parameters Terraform writes, the token an operator stores, one of skiff's own settings.
        self.kms_key = self.kms.create_key(Description="skiff SSM SecureString key")["KeyMetadata"]["KeyId"]
        self.put(f"{PREFIX}/ml_tg_arn", self.tg_arn)
        self.put(f"{PREFIX}/asg_name", ASG_NAME)
        self.put(f"{PREFIX}/ml_server_image_tag", "v1.0.0")
        self.put(f"{PREFIX}/ml_server_image_repository", "ghcr.io/acme/skiff")
        self.put(f"{PREFIX}-deploy/ghcr_username", "acme-bot")
        self.put(f"{PREFIX}-deploy/ghcr_token", GHCR_TOKEN, secure=True)
        self.put(f"{PREFIX}/valid_api_keys", "k" * 32, secure=True)

    def put(self, name: str, value: str, secure: bool = False) -> None:
        extra = {"Type": "SecureString", "KeyId": self.kms_key} if secure else {"Type": "String"}
        self.ssm.put_parameter(Name=name, Value=value, Overwrite=True, **extra)

    def get(self, name: str) -> str:
        return self.ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]

    def registered(self) -> dict[str, str]:
        """instance id -> target health state, for the targets registered in the target group."""
        descriptions = self.elbv2.describe_target_health(TargetGroupArn=self.tg_arn)["TargetHealthDescriptions"]
        return {d["Target"]["Id"]: d["TargetHealth"]["State"] for d in descriptions}


class TargetWatcher:
    """Polls moto's DescribeTargetHealth while a playbook runs: what the ALB would have seen, every 50 ms."""

    def __init__(self, moto: Moto, tg_arn: str) -> None:
        self.elbv2 = boto3.client("elbv2", region_name=REGION, endpoint_url=moto.url,
                                  aws_access_key_id="testing", aws_secret_access_key="testing")
        self.tg_arn = tg_arn
        self.samples: list[dict[str, str]] = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        while not self.stopping.is_set():
            descriptions = self.elbv2.describe_target_health(TargetGroupArn=self.tg_arn)["TargetHealthDescriptions"]
            self.samples.append({d["Target"]["Id"]: d["TargetHealth"]["State"] for d in descriptions})
            self.stopping.wait(0.05)

    def __enter__(self) -> "TargetWatcher":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.thread.join()


# ---------------------------------------------------------------------------------------------------------------
# Running Ansible
# ---------------------------------------------------------------------------------------------------------------


def unwrap(value: object) -> object:
    """ansible-inventory --list marks strings {"__ansible_unsafe": "…"} (ansible-core 2.19); plain values back."""
    if isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return value["__ansible_unsafe"]
        return {k: unwrap(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unwrap(v) for v in value]
    return value


class Ansible:
    def __init__(self, moto: Moto, workdir: Path, health: HealthStub) -> None:
        self.workdir = workdir
        self.stub_dir = workdir / "stub-state"
        self.stub_dir.mkdir()
        self.env = {
            **os.environ,
            "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            "AWS_ENDPOINT_URL": moto.url,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "SKIFF_PROJECT": PROJECT,
            "SKIFF_ENVIRONMENT": ENVIRONMENT,
            "ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json",
            "ANSIBLE_LOCAL_TEMP": str(workdir / "ansible-local"),
            "ANSIBLE_HOME": str(workdir / "ansible-home"),
            "ANSIBLE_RETRY_FILES_ENABLED": "false",
            "ANSIBLE_HOST_KEY_CHECKING": "false",
        }
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE",
                     "SKIFF_ASG_NAME", "SKIFF_SSM_PREFIX"):
            self.env.pop(name, None)
        self.env["AWS_CONFIG_FILE"] = str(workdir / "no-aws-config")
        self.env["AWS_SHARED_CREDENTIALS_FILE"] = str(workdir / "no-aws-credentials")
        # The test's stand-ins, as extra vars: reach the hosts locally, stub Docker, let the health URL carry
        # the tag the role has just started (the health stub plays the container), keep waits short.
        self.extra_vars = {
            "ansible_connection": "local",
            "ansible_python_interpreter": sys.executable,
            "skiff_deploy_docker_stub": True,
            "skiff_deploy_stub_state_dir": str(self.stub_dir),
            "skiff_deploy_health_url": (
                f"http://127.0.0.1:{health.port}/{{{{ skiff_deploy_running_tag }}}}/health/ready"),
            "skiff_deploy_health_retries": 3,
            "skiff_deploy_health_delay": 1,
            "skiff_deploy_healthy_timeout": 20,
        }
        (workdir / "extra-vars.json").write_text(json.dumps(self.extra_vars))
        self.runs = 0

    def inventory(self) -> dict:
        out = subprocess.run(
            [str(VENV_BIN / "ansible-inventory"), "-i", str(ANSIBLE_DIR / "inventory_aws_ec2.yml"), "--list"],
            env=self.env, cwd=ROOT, capture_output=True, text=True, timeout=120,
        )
        if out.returncode != 0:
            raise RuntimeError(f"ansible-inventory failed:\n{out.stderr}")
        return unwrap(json.loads(out.stdout))

    def playbook(self, *extra: str) -> tuple[int, dict]:
        """Runs ml-playbook.yml as release.yml does, plus the test's extra vars; returns (exit code, json)."""
        self.runs += 1
        cmd = [str(VENV_BIN / "ansible-playbook"), "-i", str(ANSIBLE_DIR / "inventory_aws_ec2.yml"),
               str(ANSIBLE_DIR / "ml-playbook.yml"), "-e", f"@{self.workdir / 'extra-vars.json'}", *extra]
        started = time.monotonic()
        out = subprocess.run(cmd, env=self.env, cwd=ROOT, capture_output=True, text=True, timeout=300)
        log(f"ansible-playbook {' '.join(extra)}: exit {out.returncode} after {time.monotonic() - started:.0f} s")
        (self.workdir / f"run{self.runs}.json").write_text(out.stdout)
        (self.workdir / f"run{self.runs}.stderr").write_text(out.stderr)
        try:
            result = unwrap(json.loads(out.stdout))
        except json.JSONDecodeError:
            print(out.stdout[-3000:], out.stderr[-3000:], sep="\n")
            raise
        return out.returncode, result


def task_log(result: dict) -> list[tuple[str, str, dict]]:
    """(task name, host, result) in the order the tasks ran; serial batches appear one after the other."""
    rows = []
    for play in result.get("plays", []):
        for task in play.get("tasks", []):
            for host, res in task.get("hosts", {}).items():
                # Role tasks are named "skiff_deploy : <name>".
                rows.append((task["task"]["name"].split(" : ", 1)[-1], host, res))
    return rows


def show(rows: list[tuple[str, str, dict]]) -> None:
    for name, host, res in rows:
        if res.get("skipped"):
            continue
        state = "FAILED" if res.get("failed") else ("changed" if res.get("changed") else "ok")
        msg = res.get("msg") if isinstance(res.get("msg"), str) else ""
        line = f"    {host:<12} {state:<7} {name}"
        if msg and (name.startswith("STUB") or state == "FAILED" or "ROLLBACK" in msg):
            line += f"  -> {' '.join(msg.split())[:220]}"
        print(line)


def ran(rows: list[tuple[str, str, dict]], name: str, host: str) -> list[dict]:
    return [res for n, h, res in rows if n == name and h == host and not res.get("skipped")]


def first_index(rows: list[tuple[str, str, dict]], name: str, host: str) -> int:
    for i, (n, h, res) in enumerate(rows):
        if n == name and h == host and not res.get("skipped"):
            return i
    return -1


def last_index(rows: list[tuple[str, str, dict]], name: str, host: str) -> int:
    found = -1
    for i, (n, h, res) in enumerate(rows):
        if n == name and h == host and not res.get("skipped"):
            found = i
    return found


DEREGISTER = "Deregister from the target group and wait until draining has finished"
REGISTER = "Register with the target group and wait until it is healthy"
CONFIRM = "Wait until the target group reports the target healthy"
HEALTH = "Wait for /health/ready to answer 200"
PREFLIGHT = "Check that draining cannot be cut short and that enough targets stay in service"
ROLLBACK_REPORT = "Report the failure"
RESTORE_SSM = "Write the previous tag to the image tag parameter"
STOP = "Stop the rollout"
RECORDED = "STUB (no Docker engine) - record the previous tag from the stub state file"
LOGIN_NAMES = "Name the registry and the login"


# ---------------------------------------------------------------------------------------------------------------
# Scenarios
# ---------------------------------------------------------------------------------------------------------------


def scenario_inventory(fleet: Fleet, ansible: Ansible) -> list[str]:
    log("inventory: ansible-inventory --list -i ansible/inventory_aws_ec2.yml against moto")
    inv = ansible.inventory()
    hostvars = inv["_meta"]["hostvars"]
    by_id = {hv["instance_id"]: host for host, hv in hostvars.items()}
    check("aws_ec2 inventory finds exactly the Auto Scaling group's running instances",
          set(by_id) == set(fleet.instance_ids), f"found {sorted(by_id)}, want {fleet.instance_ids}")
    check("an instance with the project's tags outside the group is left out", fleet.stray_id not in by_id)
    check("hosts are named by private IP",
          all(by_id.get(i) == fleet.private_ip[i] for i in fleet.instance_ids), str(by_id))
    check("the skiff_ml group holds every instance",
          sorted(inv.get("skiff_ml", {}).get("hosts", [])) == sorted(fleet.private_ip.values()),
          str(inv.get("skiff_ml")))
    az_groups = [g for g in inv if g.startswith("skiff_az_")]
    check("instances are also grouped by availability zone", bool(az_groups), str(sorted(inv)))
    check("the aws_ssm connection gets each instance id",
          all(hostvars[by_id[i]].get("ansible_aws_ssm_instance_id") == i for i in fleet.instance_ids if i in by_id))
    return [by_id[i] for i in fleet.instance_ids if i in by_id]


def scenario_release(fleet: Fleet, ansible: Ansible, hosts: list[str]) -> None:
    log("release v1.0.0 -> v1.1.0, serial 1 (Docker stubbed: no Docker engine here)")
    for host in hosts:
        (ansible.stub_dir / f"{host}.tag").write_text("v1.0.0\n")
    with TargetWatcher(fleet.moto, fleet.tg_arn) as watcher:
        rc, result = ansible.playbook("-e", "image_tag=v1.1.0")
    rows = task_log(result)
    show(rows)
    check("the release exits 0", rc == 0, f"exit {rc}; see {ansible.workdir}")
    for host in hosts:
        dereg = ran(rows, DEREGISTER, host)
        reg = ran(rows, REGISTER, host)
        check(f"{host}: elb_target deregistered it (changed) and waited for `unused`",
              len(dereg) == 1 and dereg[0].get("changed") is True and not dereg[0].get("failed"), str(dereg)[:300])
        check(f"{host}: elb_target re-registered it (changed) and saw it healthy",
              len(reg) == 1 and reg[0].get("changed") is True and not reg[0].get("failed"), str(reg)[:300])
        check(f"{host}: /health/ready was checked for v1.1.0 before registering",
              0 <= first_index(rows, HEALTH, host) < first_index(rows, REGISTER, host))
        check(f"{host}: now runs v1.1.0 (stub state)",
              (ansible.stub_dir / f"{host}.tag").read_text().strip() == "v1.1.0")
        check(f"{host}: no rollback ran", not ran(rows, ROLLBACK_REPORT, host))
    first, second = hosts
    check("serial 1: the second host is drained only after the first is healthy again",
          last_index(rows, CONFIRM, first) < first_index(rows, DEREGISTER, second),
          f"{last_index(rows, CONFIRM, first)} vs {first_index(rows, DEREGISTER, second)}")
    msgs = [res.get("msg", "") for n, h, res in rows if n.startswith("STUB")]
    check("the stubbed Docker steps say so", any("STUB (no Docker engine)" in str(m) for m in msgs))
    check("the SSM lookups read the repository, and the login user from <prefix>-deploy/ghcr_username",
          any("ghcr.io/acme/skiff:v1.1.0" in str(m) for m in msgs)
          and any("-u acme-bot" in str(m) for m in msgs), str(msgs)[:400])
    registered = fleet.registered()
    check("moto: both instances registered and healthy afterwards",
          registered == {i: "healthy" for i in fleet.instance_ids}, str(registered))
    samples = watcher.samples
    for iid in fleet.instance_ids:
        check(f"moto, polled during the run: {iid} was out of the target group for a while",
              any(iid not in sample for sample in samples), f"{len(samples)} samples")
    check("moto, polled during the run: never fewer than one healthy target (no outage)",
          bool(samples) and min(sum(v == "healthy" for v in sample.values()) for sample in samples) >= 1,
          f"{len(samples)} samples")
    check("moto, polled during the run: never both out at once (serial 1)",
          all(sum(i not in sample for i in fleet.instance_ids) <= 1 for sample in samples))
    everything = (ansible.workdir / f"run{ansible.runs}.json").read_text()
    everything += (ansible.workdir / f"run{ansible.runs}.stderr").read_text()
    check("the GHCR token never appears in Ansible's output", GHCR_TOKEN not in everything)


def scenario_rerun(fleet: Fleet, ansible: Ansible, hosts: list[str]) -> None:
    log("re-run of v1.1.0: every host already runs it and is healthy, so none is taken out")
    rc, result = ansible.playbook("-e", "image_tag=v1.1.0")
    rows = task_log(result)
    show(rows)
    check("the re-run exits 0", rc == 0, f"exit {rc}")
    check("the re-run deregisters nothing", not any(ran(rows, DEREGISTER, h) for h in hosts))
    check("the re-run ends each host after finding the tag (meta: end_host), before any registry step",
          all(ran(rows, RECORDED, h) and not ran(rows, LOGIN_NAMES, h) for h in hosts))


def scenario_preflight_refusal(fleet: Fleet, ansible: Ansible, hosts: list[str]) -> None:
    log("preflight: target_status_timeout=30 is not longer than the 45 s deregistration delay")
    rc, result = ansible.playbook("-e", "image_tag=v1.3.0", "-e", "target_status_timeout=30")
    rows = task_log(result)
    show(rows)
    pre = ran(rows, PREFLIGHT, hosts[0])
    check("the rollout refuses to start (non-zero exit, preflight failed)",
          rc != 0 and len(pre) == 1 and pre[0].get("failed") is True, f"exit {rc}")
    check("nothing was deregistered", not any(ran(rows, DEREGISTER, h) for h in hosts))
    check("moto: both instances still registered and healthy",
          fleet.registered() == {i: "healthy" for i in fleet.instance_ids}, str(fleet.registered()))


def scenario_broken_release(fleet: Fleet, ansible: Ansible, health: HealthStub, hosts: list[str]) -> None:
    log(f"broken release v1.1.0 -> {BROKEN_TAG}: /health/ready answers 503 for it; the rescue must put v1.1.0 back")
    health.broken.add(BROKEN_TAG)
    health.seen.clear()
    fleet.put(f"{PREFIX}/ml_server_image_tag", BROKEN_TAG)  # what release.yml writes before the rollout
    rc, result = ansible.playbook("-e", f"image_tag={BROKEN_TAG}")
    rows = task_log(result)
    show(rows)
    first, second = hosts
    check("the rollout fails (non-zero exit)", rc != 0, f"exit {rc}")
    health_first = ran(rows, HEALTH, first)
    check(f"{first}: the health check of {BROKEN_TAG} failed, then the previous tag's passed",
          len(health_first) == 2 and health_first[0].get("failed") is True and not health_first[1].get("failed"),
          str([r.get("status") for r in health_first]))
    check(f"{first}: the rescue ran (failure reported, rollout stopped)",
          len(ran(rows, ROLLBACK_REPORT, first)) == 1 and len(ran(rows, STOP, first)) == 1)
    check(f"{first}: the previous tag v1.1.0 runs again (stub state)",
          (ansible.stub_dir / f"{first}.tag").read_text().strip() == "v1.1.0")
    check(f"{first}: the health stub saw {BROKEN_TAG}, then v1.1.0",
          BROKEN_TAG in health.seen and health.seen[-1] == "v1.1.0", str(health.seen))
    reg = ran(rows, REGISTER, first)
    check(f"{first}: elb_target re-registered it after the rollback",
          len(reg) == 1 and reg[0].get("changed") is True and not reg[0].get("failed"), str(reg)[:300])
    check(f"{first}: the SSM image tag was put back to v1.1.0",
          len(ran(rows, RESTORE_SSM, first)) == 1 and fleet.get(f"{PREFIX}/ml_server_image_tag") == "v1.1.0",
          fleet.get(f"{PREFIX}/ml_server_image_tag"))
    check(f"{second}: never touched (the rollout stopped at the first host)",
          not any(h == second for _, h, res in rows if not res.get("skipped"))
          and (ansible.stub_dir / f"{second}.tag").read_text().strip() == "v1.1.0")
    registered = fleet.registered()
    check("moto: both instances registered and healthy afterwards",
          registered == {i: "healthy" for i in fleet.instance_ids}, str(registered))


def main() -> int:
    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="skiff-ansible-moto-"))
    moto = health = None
    try:
        moto = Moto(workdir)
        log(f"moto_server on {moto.url}; work files in {workdir}")
        fleet = Fleet(moto)
        health = HealthStub()
        ansible = Ansible(moto, workdir, health)
        hosts = scenario_inventory(fleet, ansible)
        if len(hosts) == 2:
            scenario_release(fleet, ansible, hosts)
            scenario_rerun(fleet, ansible, hosts)
            scenario_preflight_refusal(fleet, ansible, hosts)
            scenario_broken_release(fleet, ansible, health, hosts)
        else:
            check("inventory found two hosts, so the rollout scenarios can run", False, str(hosts))
    except Exception:  # noqa: BLE001 - report any crash as a failure with its traceback
        traceback.print_exc()
        check("the test ran to the end", False)
    finally:
        if health:
            health.stop()
        if moto:
            moto.stop()
    failed = [name for name, ok, _ in RESULTS if not ok]
    passed = len(RESULTS) - len(failed)
    if not failed:
        shutil.rmtree(workdir, ignore_errors=True)
    else:
        log(f"kept {workdir} (moto.log, runN.json, runN.stderr) for the failures above")
    log(f"took {time.monotonic() - started:.0f} s")
    print(f"ansible-moto: {passed} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
