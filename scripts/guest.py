#!/usr/bin/env python3
"""Boot a QEMU pseries guest for the ofreconf tests and serve it.

The guest's console is a pipe: every line is saved to console.log; lines
that start with "@@" are the guest talking to us:
  @@qmp <json>     run one QMP command, answer "@@ok <json>" or "@@err <text>"
  @@ktap <line>    a KTAP line from a shell scenario (saved to shell.ktap)
  @@dmesg <line>   the guest's kernel log, dumped at the end (dmesg.log)
  @@done           the guest finished; it powers off next
timeline.tsv has the seconds since QEMU started at which the firmware
and prom_init handed over, and each "@@phase", each shell KTAP result
and "@@done" came, so a slow boot, scenario or case shows where its time
goes.
A guest that does not finish within the timeout is killed, and its last
console lines are printed.  Python standard library only.
"""
import argparse
import json
import os
import re
import select
import socket
import subprocess
import sys
import tempfile
import time

import ktap  # one home for the KTAP result line's shape


# The console lines timeline.tsv records besides the shell's KTAP
# results (ktap.RESULT): SLOF handing over to the kernel's prom_init,
# prom_init handing over to the kernel, the guest's phases, its end.
TIMELINE = re.compile(r"Booting from memory|Booting Linux via|@@phase |@@done")


def on_timeline(line):
    """Whether timeline.tsv records this console line."""
    if line.startswith("@@ktap "):
        return bool(ktap.RESULT.match(line[7:].strip()))
    return bool(TIMELINE.match(line))


class Qmp:
    """A minimal QMP client over a unix socket."""

    def __init__(self, path, timeout=30):
        deadline = time.time() + timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.time() > deadline:
                    raise RuntimeError("QMP socket %s never came up" % path)
                time.sleep(0.1)
        self.buf = b""
        self._read()  # greeting
        self.command("qmp_capabilities")

    def _read(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise RuntimeError("QMP connection closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def command(self, execute, arguments=None):
        msg = {"execute": execute}
        if arguments:
            msg["arguments"] = arguments
        self.sock.sendall(json.dumps(msg).encode() + b"\n")
        while True:
            reply = self._read()
            if "event" in reply:
                continue
            return reply


def qemu_cmdline(args, qmp_path):
    # DIMM slots: memlinks' DIMM, the drmem suites' (drmem-aa-wrap and
    # drmem-aa-more-arrays, whose hot-add the guest refuses and which stay
    # plugged; drmem-aa-valid, unplugged again; drmem-dimm1, drmem-dimm2).
    mem = ["-m", "%dM,slots=6,maxmem=%dM" % (args.mem, args.maxmem)]
    half = args.mem // 2
    numa = []
    for node in (0, 1):
        numa += ["-object", "memory-backend-ram,id=ram%d,size=%dM" % (node, half),
                 "-numa", "node,nodeid=%d,memdev=ram%d" % (node, node)]
    # memlinks: a DIMM of node 0 on the command line.  QEMU puts DIMMs in
    # the hotplug area above all boot RAM, so node 0's pfn span covers
    # node 1's memory (seed 001).  Its LMBs are flagged hot-removable, so
    # under movable_node (scripts/vm.sh) the guest can give it back; the
    # memlinks scenario removes and re-adds it by these ids.  maxmem stays
    # above mem + DIMM for ibm,dynamic-reconfiguration-memory and for the
    # drmem scenario's DIMMs (drmem-dimm1, drmem-dimm2).
    dimm = []
    if args.dimm:
        dimm = ["-object", "memory-backend-ram,id=memlinks-mem0,size=%dM" % args.dimm,
                "-device", "pc-dimm,id=memlinks-dimm0,memdev=memlinks-mem0,node=0"]
    # Two e1000 on PHB 0 at slots 2 and 6 share one INTx pin; a second PHB
    # has its own e1000.  e1000 has pin A and no MSI.
    pci = ["-device", "e1000,bus=pci.0,addr=2,id=nic0",
           "-device", "e1000,bus=pci.0,addr=6,id=nic1",
           "-device", "spapr-pci-host-bridge,index=1,id=phb1",
           "-device", "e1000,bus=phb1.0,addr=2,id=nic2"]
    # One vCPU: a TCG vCPU is a host thread, and the tests drive the guest
    # from one task.  Measured, v6.12's XIVE boot alone on a 2-core host:
    # 219 s with two vCPUs (a two-vCPU boot timed for CPU used 1.24
    # cores), 252 s on 0.9 core with one; two one-vCPU guests side by
    # side (the vm tier, the prove rounds) then no longer take each
    # other's core.
    return ([args.qemu, "-M", "pseries,ic-mode=%s" % args.ic_mode,
             "-cpu", "power9", "-smp", "1", "-nodefaults", "-nographic",
             "-no-reboot", "-chardev", "stdio,id=con",
             "-device", "spapr-vty,chardev=con",
             "-qmp", "unix:%s,server=on,wait=off" % qmp_path]
            + mem + numa + dimm + pci
            + ["-kernel", args.kernel, "-append", args.append]
            + (["-initrd", args.initrd] if args.initrd else []))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--initrd")
    ap.add_argument("--ic-mode", default="xive", choices=["xive", "xics"])
    ap.add_argument("--append", default="console=hvc0")
    ap.add_argument("--mem", type=int, default=2048, help="MiB, two NUMA nodes")
    ap.add_argument("--maxmem", type=int, default=4096, help="MiB")
    ap.add_argument("--dimm", type=int, default=256,
                    help="MiB, a DIMM of node 0 cold-plugged above node 1 (0: none)")
    ap.add_argument("--timeout", type=int, default=1200, help="seconds")
    ap.add_argument("--log-dir", required=True)
    ap.add_argument("--qemu", default="qemu-system-ppc64")
    args = ap.parse_args()
    if args.dimm % 256 or args.mem % 512 or args.maxmem <= args.mem + args.dimm:
        ap.error("--mem must be a multiple of 512, --dimm of 256 MiB, and --maxmem "
                 "above --mem plus --dimm (QEMU pseries: 256 MiB units, and "
                 "ibm,dynamic-reconfiguration-memory only when maxmem exceeds RAM)")

    os.makedirs(args.log_dir, exist_ok=True)
    qmp_path = os.path.join(tempfile.mkdtemp(prefix="ofreconf-qmp-"), "qmp.sock")
    cmd = qemu_cmdline(args, qmp_path)
    with open(os.path.join(args.log_dir, "qemu.cmdline"), "w") as f:
        f.write(" ".join(cmd) + "\n")
    files = {name: open(os.path.join(args.log_dir, name), "w")
             for name in ("console.log", "shell.ktap", "dmesg.log", "qmp.log",
                          "timeline.tsv")}
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    qmp = None
    last = []
    done = False
    start = time.time()
    pending = b""
    status = 0
    try:
        while True:
            if time.time() - start > args.timeout:
                print("ofreconf: error: guest did not finish in %ds; last console lines:"
                      % args.timeout, file=sys.stderr)
                for line in last[-25:]:
                    print("  | " + line, file=sys.stderr)
                status = 2
                break
            ready, _, _ = select.select([proc.stdout], [], [], 1.0)
            if not ready:
                if proc.poll() is not None:
                    break
                continue
            chunk = os.read(proc.stdout.fileno(), 65536)
            if not chunk:
                break
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for raw in lines:
                line = raw.decode("utf-8", "replace").rstrip("\r")
                if not line.startswith("@@dmesg "):
                    files["console.log"].write(line + "\n")
                    last = (last + [line])[-50:]
                if on_timeline(line):
                    files["timeline.tsv"].write("%.1f\t%s\n" % (time.time() - start, line))
                if line.startswith("@@ktap "):
                    files["shell.ktap"].write(line[7:] + "\n")
                elif line.startswith("@@dmesg "):
                    files["dmesg.log"].write(line[8:] + "\n")
                elif line.startswith("@@qmp "):
                    if qmp is None:
                        qmp = Qmp(qmp_path)
                    try:
                        req = json.loads(line[6:])
                        reply = qmp.command(req["execute"], req.get("arguments"))
                    except (ValueError, KeyError, RuntimeError) as e:
                        reply = {"error": {"desc": str(e)}}
                    files["qmp.log"].write(json.dumps({"req": line[6:], "reply": reply}) + "\n")
                    if "return" in reply:
                        answer = "@@ok " + json.dumps(reply["return"])
                    else:
                        answer = "@@err " + json.dumps(reply.get("error"))
                    proc.stdin.write(answer.encode() + b"\n")
                    proc.stdin.flush()
                elif line.startswith("@@done"):
                    done = True
            for f in files.values():
                f.flush()
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        for f in files.values():
            f.close()
    elapsed = time.time() - start
    with open(os.path.join(args.log_dir, "time"), "w") as f:
        f.write("%.1f\n" % elapsed)
    if status == 0 and not done:
        print("ofreconf: error: guest stopped before finishing (no @@done); last console lines:",
              file=sys.stderr)
        for line in last[-25:]:
            print("  | " + line, file=sys.stderr)
        status = 3
    return status


if __name__ == "__main__":
    sys.exit(main())
