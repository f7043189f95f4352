"""A throw-away Slurm cluster on localhost for the tests: munged, slurmctld
and slurmd (Debian's slurm-wlm and munge) with a generated slurm.conf, one
node with this machine's CPUs, no cgroups (proctrack/linuxproc, task/none),
everything under one directory, torn down by stop().

    with LocalSlurm(directory) as slurm:
        subprocess.run(["sbatch", ...], env=slurm.env)

unavailable() says why Slurm cannot run here (None when it can).
"""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

DAEMONS = ("munged", "mungekey", "slurmctld", "slurmd", "sbatch", "squeue",
           "scancel", "sinfo", "scontrol")


def find(name):
    for directory in ("/usr/sbin", "/usr/bin", "/sbin", "/bin"):
        path = os.path.join(directory, name)
        if os.access(path, os.X_OK):
            return path
    return shutil.which(name)


def unavailable():
    missing = [name for name in DAEMONS if not find(name)]
    if missing:
        return ("%s not installed (Debian packages slurmctld slurmd "
                "slurm-client munge; scripts/install-deps.sh)" %
                ", ".join(missing))
    if os.geteuid() != 0:
        return "the test cluster's slurmd must run as root"
    return None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LocalSlurm:
    def __init__(self, directory):
        self.dir = os.path.realpath(directory)
        self.env = dict(os.environ)
        self.pidfiles = []
        self.sockets = None

    def path(self, *parts):
        """State and logs: under the test's own directory."""
        return os.path.join(self.dir, *parts)

    def socket_path(self, *parts):
        """munge's socket, slurmd's spool (one Unix socket per job step,
        named <node>_<job>.<step>) and the pid files: under a short directory
        in /tmp, because a Unix socket path has at most 107 bytes and a build
        tree's test directory is already ~85 (the steps of a batch job then
        fail to start or to be cancelled, and the array job hangs)."""
        return os.path.join(self.sockets, *parts)

    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()

    def start(self):
        # munged insists on private directories along the key's path.
        self.sockets = tempfile.mkdtemp(prefix="sinkc-slurm-")
        os.chmod(self.sockets, 0o755)
        for sub in ("munge", "spool", "run"):
            os.makedirs(self.socket_path(sub), mode=0o700, exist_ok=True)
        for sub in ("state", "log"):
            os.makedirs(self.path(sub), mode=0o700, exist_ok=True)
        os.chmod(self.dir, 0o755)
        key = self.socket_path("munge", "munge.key")
        subprocess.run([find("mungekey"), "--create", "--keyfile", key,
                        "--force"], check=True, stdout=subprocess.DEVNULL)
        os.chmod(key, 0o400)
        socket_path = self.socket_path("munge", "munge.sock")
        munge_pid = self.socket_path("run", "munged.pid")
        self.pidfiles.append(munge_pid)
        subprocess.run([find("munged"), "--force", "--key-file", key,
                        "--socket", socket_path, "--pid-file", munge_pid,
                        "--log-file", self.path("log", "munged.log"),
                        "--seed-file", self.socket_path("munge", "munge.seed")],
                       check=True)
        cpus = os.cpu_count() or 1
        conf = self.path("slurm.conf")
        host = "localhost"
        lines = [
            "ClusterName=sinkctest",
            "SlurmctldHost=%s(127.0.0.1)" % host,
            "SlurmctldPort=%d" % free_port(),
            "SlurmdPort=%d" % free_port(),
            "AuthType=auth/munge",
            "CredType=cred/munge",
            "AuthInfo=socket=%s" % socket_path,
            "SlurmUser=root",
            "SlurmdUser=root",
            "StateSaveLocation=%s" % self.path("state"),
            "SlurmdSpoolDir=%s" % self.socket_path("spool"),
            "SlurmctldPidFile=%s" % self.socket_path("run", "slurmctld.pid"),
            "SlurmdPidFile=%s" % self.socket_path("run", "slurmd.pid"),
            "SlurmctldLogFile=%s" % self.path("log", "slurmctld.log"),
            "SlurmdLogFile=%s" % self.path("log", "slurmd.log"),
            "ProctrackType=proctrack/linuxproc",
            "TaskPlugin=task/none",
            "JobAcctGatherType=jobacct_gather/none",
            "AccountingStorageType=accounting_storage/none",
            "JobCompType=jobcomp/none",
            "MpiDefault=none",
            "SwitchType=switch/none",
            "SchedulerType=sched/backfill",
            "SelectType=select/cons_tres",
            "SelectTypeParameters=CR_CPU",
            "ReturnToService=2",
            "KillWait=2",
            "MinJobAge=600",
            "SlurmctldTimeout=30",
            "SlurmdTimeout=30",
            "SchedulerParameters=sched_interval=1,bf_interval=1",
            "NodeName=%s NodeAddr=127.0.0.1 CPUs=%d State=UNKNOWN" %
            (host, cpus),
            "PartitionName=test Nodes=%s Default=YES MaxTime=INFINITE "
            "State=UP" % host,
        ]
        with open(conf, "w") as f:
            f.write("\n".join(lines) + "\n")
        self.env["SLURM_CONF"] = conf
        self.pidfiles += [self.socket_path("run", "slurmctld.pid"),
                          self.socket_path("run", "slurmd.pid")]
        subprocess.run([find("slurmctld"), "-f", conf, "-i"], check=True,
                       env=self.env)
        subprocess.run([find("slurmd"), "-f", conf, "-N", host], check=True,
                       env=self.env)
        deadline = time.monotonic() + 60
        state = ""
        while time.monotonic() < deadline:
            result = subprocess.run([find("sinfo"), "-h", "-o", "%t"],
                                    env=self.env, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True)
            state = result.stdout.strip() or result.stderr.strip()
            if state == "idle":
                return
            time.sleep(0.5)
        raise RuntimeError("the test cluster did not become idle (%s); logs "
                           "in %s" % (state, self.path("log")))

    def stop(self):
        if "SLURM_CONF" in self.env:
            subprocess.run([find("scancel"), "--user", "root"], env=self.env,
                           stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
        # Only the daemons this object started, by the pids they wrote.
        for pidfile in reversed(self.pidfiles):
            try:
                with open(pidfile) as f:
                    pid = int(f.read().split()[0])
            except (OSError, ValueError, IndexError):
                continue
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
            for _ in range(100):
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.1)
            else:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        self.pidfiles = []
        if self.sockets:
            shutil.rmtree(self.sockets, ignore_errors=True)
            self.sockets = None
