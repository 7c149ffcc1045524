"""Run a command in a child process and measure it: wall seconds and the peak RSS of its process
tree (the largest process's, as getrusage reports it for waited-for children). The benchmarks
run each measured job this way so that the benchmark's own memory never counts."""
import json
import subprocess
import sys
import time
from typing import List, Tuple

_PROBE = ("import resource, subprocess, sys, json; quiet = sys.argv[1] == '1'; "
          "rc = subprocess.call(sys.argv[2:], stdout=subprocess.DEVNULL if quiet else None); "
          "print(json.dumps({'rc': rc, 'maxrss_kib': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))")


def measured_run(cmd: List[str], quiet: bool = False) -> Tuple[float, float, int, str]:
    """(seconds, peak RSS in MiB, exit status, stderr) of `cmd`; `quiet` drops its standard output."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _PROBE, "1" if quiet else "0", *cmd], capture_output=True, text=True)
    seconds = time.perf_counter() - started
    info = json.loads(done.stdout.strip().splitlines()[-1])
    return seconds, info["maxrss_kib"] / 1024, info["rc"], done.stderr
