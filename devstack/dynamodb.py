"""Fetch, start and stop DynamoDB Local (AWS's emulator, the jar shipped in an npm package)."""
import os
import shutil
import socket
import subprocess
import tarfile
import tempfile
import time
from pathlib import Path

from anchor.config import ROOT
from devstack.ports import free_port

NPM_PACKAGE = "amplify-dynamodb-simulator"
CACHE_DIR = ROOT / ".cache" / "dynamodb-local"


class LocalToolMissing(RuntimeError):
    """A tool needed to run DynamoDB Local is not installed and cannot be installed here."""


def ensure_java():
    """Return the java executable, installing Debian's JRE when running as root."""
    java = shutil.which("java")
    if java:
        return java
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("java not found: installing default-jre-headless with apt-get", flush=True)
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "default-jre-headless"], check=True, env=env)
        java = shutil.which("java")
        if java:
            return java
    raise LocalToolMissing(
        "DynamoDB Local needs Java 17+: install it with `sudo apt-get install default-jre-headless` "
        "(or any JRE 17+ on your PATH)")


def ensure_jar(cache_dir=CACHE_DIR):
    """Return the folder holding DynamoDBLocal.jar, fetching it with `npm pack` when missing."""
    cache_dir = Path(cache_dir)
    if (cache_dir / "DynamoDBLocal.jar").exists():
        return cache_dir
    npm = shutil.which("npm")
    if not npm:
        raise LocalToolMissing(
            "DynamoDB Local is fetched from the npm package amplify-dynamodb-simulator: "
            "install Node.js and npm (`sudo apt-get install npm`)")
    print(f"fetching DynamoDB Local ({NPM_PACKAGE} via npm pack) into {cache_dir}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([npm, "pack", NPM_PACKAGE, "--silent"], cwd=tmp, check=True,
                       stdout=subprocess.DEVNULL)
        tgz = next(Path(tmp).glob("*.tgz"))
        with tarfile.open(tgz) as archive:
            members = [m for m in archive.getmembers() if m.name.startswith("package/emulator/")]
            archive.extractall(tmp, members=members, filter="data")
        staging = cache_dir.with_name(cache_dir.name + ".partial")
        shutil.rmtree(staging, ignore_errors=True)
        shutil.copytree(Path(tmp) / "package" / "emulator", staging)
        shutil.rmtree(cache_dir, ignore_errors=True)
        staging.rename(cache_dir)
    return cache_dir


class DynamoDBLocal:
    """One DynamoDB Local process: in memory (tests) or persisted under data_dir (make run)."""

    def __init__(self, port=None, data_dir=None, cache_dir=CACHE_DIR):
        self.port = port or free_port()
        self.data_dir = Path(data_dir) if data_dir else None
        self.cache_dir = Path(cache_dir)
        self.process = None

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.port}"

    def command(self):
        """The java command line that starts the emulator."""
        jar_dir = ensure_jar(self.cache_dir)
        cmd = [ensure_java(), "-Xms64m", "-Xmx512m",
               f"-Djava.library.path={jar_dir / 'DynamoDBLocal_lib'}",
               "-jar", str(jar_dir / "DynamoDBLocal.jar"), "-port", str(self.port),
               # One database whatever the access key and region, as a real account has.
               "-sharedDb"]
        if self.data_dir:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            cmd += ["-dbPath", str(self.data_dir)]
        else:
            cmd += ["-inMemory"]
        return cmd

    def start(self, timeout=60):
        """Start the process and wait until it answers; raise with its output if it dies."""
        # Own session: a Ctrl-C in the terminal reaches the supervisor, which stops the app
        # first and the database last.
        self.process = subprocess.Popen(self.command(), stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, cwd=self.cache_dir,
                                        start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                output = self.process.stdout.read().decode(errors="replace")
                raise RuntimeError(f"DynamoDB Local exited with {self.process.returncode}:\n{output}")
            if self.answers():
                return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"DynamoDB Local did not answer on port {self.port} within {timeout}s")

    def answers(self):
        """True when the port accepts a connection and speaks HTTP."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"GET / HTTP/1.0\r\n\r\n")
                return sock.recv(12).startswith(b"HTTP/")
        except OSError:
            return False

    def stop(self):
        """Stop the process (SIGTERM, then SIGKILL after 5 s)."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        if self.process and self.process.stdout:
            self.process.stdout.close()
        self.process = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def main():
    """`python -m devstack.dynamodb --fetch`: make sure Java and the jar are present."""
    ensure_java()
    print(f"DynamoDB Local ready in {ensure_jar()}")


if __name__ == "__main__":
    main()
