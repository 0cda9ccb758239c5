"""A container engine for the image tests (tests/deploy/test_container_image.py), or the exact reason there is none.

Engine: podman (Debian's package, as root here) or a docker client whose daemon answers. podman on a machine like
this one needs two adjustments, found by probing rather than assumed: crun refuses cgroups in hybrid mode, so
`--runtime runc` when runc is installed; and the default rlimits (nofile 1048576) exceed what the machine allows,
so explicit `--ulimit`s. The probe tries the plain command first.

Base image: the Containerfile's BASE (docker.io/library/python:3.11-slim-bookworm) when the engine has or can pull
it; else, where no registry is reachable (this machine reaches Debian's package mirror but no image registry), a
Debian bookworm image made by `debootstrap` with python3 and python3-venv, imported once as
localhost/dsop-sandbox-base:bookworm and reused. DSOP_SANDBOX_TEST_BASE_IMAGE names another one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from functools import cache
from pathlib import Path

DEFAULT_BASE = "docker.io/library/python:3.11-slim-bookworm"
LOCAL_BASE = "localhost/dsop-sandbox-base:bookworm"
CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")


class NoEngine(Exception):
    """Why the image cannot be built or run here (the tests skip with this message)."""


def _run(cmd: list[str], timeout: float = 120, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)


def _ulimits() -> list[str]:
    """Limits every engine accepts under the machine's hard limits (the engines' defaults exceed them here, and so
    did the machine's own hard limits, 20000 files, under runc: 1024 was what it allowed). Enough for gunicorn."""
    return ["--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"]


class Engine:
    """`engine.run(...)`, `engine.build(...)`: the engine's command with the options this machine needs."""

    def __init__(self, exe: str, global_opts: list[str], run_opts: list[str]):
        self.exe, self.global_opts, self.run_opts = exe, global_opts, run_opts

    @property
    def name(self) -> str:
        return Path(self.exe).name

    def cmd(self, *args: str) -> list[str]:
        return [self.exe, *self.global_opts, *args]

    def __call__(self, *args: str, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess:
        done = _run(self.cmd(*args), timeout=timeout)
        if check and done.returncode != 0:
            raise RuntimeError(f"{' '.join(self.cmd(*args))} failed ({done.returncode}): {done.stderr[-2000:]}")
        return done

    def run_options(self) -> list[str]:
        return list(self.run_opts)

    def image_exists(self, image: str) -> bool:
        return self("image", "inspect", image, check=False).returncode == 0

    def build(self, context: Path, tag: str, base: str, timeout: float = 1200) -> None:
        args = ["build", "-f", str(context / "Containerfile"), "-t", tag, "--build-arg", f"BASE={base}"]
        if self.name == "podman":
            args += ["--format", "docker", *self.run_opts]  # docker format keeps HEALTHCHECK
        if CA_BUNDLE.exists():  # a TLS-intercepting proxy's CA, if any, is in the system bundle
            args += ["--secret", f"id=pip_ca,src={CA_BUNDLE}"]
        self(*args, str(context), timeout=timeout)


def _probe(exe: str, image: str) -> Engine:
    """The first option set with which the engine runs `true` in `image`."""
    errors = []
    runc = ["--runtime", "runc"] if shutil.which("runc") and Path(exe).name == "podman" else None
    for global_opts in ([], runc):
        if global_opts is None:
            continue
        for run_opts in ([], _ulimits()):
            done = _run([exe, *global_opts, "run", "--rm", *run_opts, image, "true"], timeout=120)
            if done.returncode == 0:
                return Engine(exe, global_opts, run_opts)
            errors.append(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}")
    raise NoEngine(f"{exe} cannot run a container here: {'; '.join(dict.fromkeys(errors))}")


def _engine_exe() -> str:
    podman = shutil.which("podman")
    if podman and _run([podman, "info"], timeout=60).returncode == 0:
        return podman
    docker = shutil.which("docker")
    if docker:
        info = _run([docker, "info"], timeout=30)
        if info.returncode == 0:
            return docker
        raise NoEngine(f"no podman, and docker has no daemon: {info.stderr.strip().splitlines()[-1:]}")
    raise NoEngine("no container engine: neither podman nor docker is installed (make test installs podman)")


def _base_image(exe: str) -> str:
    wanted = os.environ.get("DSOP_SANDBOX_TEST_BASE_IMAGE")
    if wanted:
        return wanted
    for image in (DEFAULT_BASE, LOCAL_BASE):
        if _run([exe, "image", "inspect", image], timeout=60).returncode == 0:
            return image
    try:
        if _run([exe, "pull", "-q", DEFAULT_BASE], timeout=90).returncode == 0:
            return DEFAULT_BASE
    except subprocess.TimeoutExpired:
        pass
    debootstrap = shutil.which("debootstrap") or ("/usr/sbin/debootstrap" if Path("/usr/sbin/debootstrap").exists()
                                                  else None)
    if debootstrap is None or os.geteuid() != 0:
        raise NoEngine(f"no base image: {DEFAULT_BASE} cannot be pulled here and debootstrap (as root) is not "
                       "available to make a local one; set DSOP_SANDBOX_TEST_BASE_IMAGE")
    root = Path(tempfile.mkdtemp(prefix="dsop-rootfs-", dir="/var/tmp"))
    try:
        done = _run([debootstrap, "--variant=minbase", "--include=python3,python3-venv,ca-certificates", "bookworm",
                     str(root), "http://deb.debian.org/debian"], timeout=900)
        if done.returncode != 0:
            raise NoEngine(f"no base image: debootstrap failed: {done.stderr.strip()[-500:]}")
        tar = subprocess.Popen(["tar", "-C", str(root), "-c", "."], stdout=subprocess.PIPE)
        with tar.stdout:
            imported = _run([exe, "import", "-", LOCAL_BASE], timeout=600, stdin=tar.stdout)
        tar.wait()
        if imported.returncode != 0:
            raise NoEngine(f"no base image: importing the debootstrap tree failed: {imported.stderr[-500:]}")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return LOCAL_BASE


@cache
def engine_and_base() -> tuple[Engine, str]:
    """The engine (with the options this machine needs) and the base image; NoEngine says why not."""
    exe = _engine_exe()
    base = _base_image(exe)
    return _probe(exe, base), base
