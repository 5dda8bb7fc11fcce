#!/usr/bin/python3
"""./dev.sh package-test: the Debian packages in a fresh Debian bookworm root (debootstrap), as an organiser uses them.

  package_test.py PKG_DIR ARTEFACTS [--mirror URL] [--keep-root]

1. lintian on every .deb in PKG_DIR: errors fail the test; warnings are printed.
2. debootstrap --variant=minbase bookworm into a new folder (packages cached in /var/tmp/engage-pkgtest/cache).
3. README.md's "Install on a kiosk" and "Install the hub" code blocks, run line by line, word for word, as root in
   that root (apt resolves the Depends from the mirror).
4. systemd-analyze verify on every installed unit; systemd-analyze security --offline=true on engage-hub.service
   (exposure printed; above 2.5 fails).
5. The hub started from the installed unit (its User=, Environment=, EnvironmentFile=, ExecStart=; systemd does not
   run in a chroot) on a free port: /healthz must answer, and the kiosk added by the README is listed.
6. The installed kiosk started the same way from its unit (cage, as `engage`) with WLR_BACKENDS=headless: it must
   send READY=1 and WATCHDOG=1 to a notification socket this test holds, and a grim screenshot of the attract
   screen is kept in ARTEFACTS (it must not be blank).
Root only (debootstrap, chroot, mount). Prints how long each step took.
"""
import argparse
import glob
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(HERE)
WORK = "/var/tmp/engage-pkgtest"
MAX_EXPOSURE = 2.5


class Failed(Exception):
    pass


def step(title):
    print(f"\n==> {title}", flush=True)
    return time.monotonic()


def done(t0):
    print(f"    ({time.monotonic() - t0:.0f} s)", flush=True)


def run(cmd, check=True, **kw):
    print("    $ " + " ".join(shlex.quote(c) for c in cmd), flush=True)
    r = subprocess.run(cmd, text=True, **kw)
    if check and r.returncode != 0:
        raise Failed(f"{cmd[0]} exited with {r.returncode}")
    return r


def readme_blocks(*headings):
    """The shell lines of the ```sh blocks under these README.md headings, in order."""
    text = open(os.path.join(SOURCE, "README.md"), encoding="utf-8").read()
    out = {}
    for h in headings:
        m = re.search(r"^## " + re.escape(h) + r"\n(.*?)(?=^## |\Z)", text, re.S | re.M)
        if not m:
            raise Failed(f'README.md has no "## {h}" section')
        lines = []
        for block in re.findall(r"```sh\n(.*?)```", m.group(1), re.S):
            lines += [ln for ln in block.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
        if not lines:
            raise Failed(f'README.md "## {h}" has no ```sh block')
        out[h] = lines
    return out


class Root:
    """A debootstrapped bookworm folder with /proc, /sys, /dev mounted, used through chroot."""

    def __init__(self, path, mirror):
        self.path, self.mirror, self.mounts = path, mirror, []

    def create(self, reuse=False):
        os.makedirs(os.path.join(WORK, "cache"), exist_ok=True)
        os.chmod(self.path, 0o755)  # mkdtemp made it 0700: the root's "/" must be open to its users
        if not reuse:
            run(["debootstrap", "--variant=minbase", f"--cache-dir={WORK}/cache", "bookworm", self.path, self.mirror],
                stdout=subprocess.DEVNULL)
        for src, dst, opts in (("sysfs", "sys", ["-t", "sysfs"]),
                               ("/dev", "dev", ["--rbind"])):  # with /dev/shm: cage's buffers
            target = os.path.join(self.path, dst)
            os.makedirs(target, exist_ok=True)
            run(["mount", *opts, src, target])
            self.mounts.append(target)
        shutil.copy("/etc/resolv.conf", os.path.join(self.path, "etc/resolv.conf"))
        # An unattended apt (the README's `apt install` asks before pulling in dependencies).
        with open(os.path.join(self.path, "etc/apt/apt.conf.d/90engage-test"), "w") as f:
            f.write('APT::Get::Assume-Yes "true";\n')
        with open(os.path.join(self.path, "etc/hosts"), "a") as f:
            f.write(f"127.0.1.1 {socket.gethostname()}\n")

    def wrap(self, argv):
        """argv (a chroot command) in its own pid and mount namespace with /proc mounted in the root. PID 1 there
        stays outside the root, so systemctl sees a chroot ("Running in chroot, ignoring command 'start'") as
        it would on a machine where /proc/1/root can be read; ending the returned process ends them all."""
        return ["unshare", "--pid", "--fork", "--mount", "--kill-child=SIGKILL", "/bin/sh", "-c",
                f'mount -t proc proc {shlex.quote(self.file("/proc"))} && "$@"; exit $?', "sh", *argv]

    def sh(self, line, user=None, env=None, check=True, **kw):
        e = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME": "/root",
             "DEBIAN_FRONTEND": "noninteractive", "LANG": "C.UTF-8"}
        e.update(env or {})
        cmd = self.wrap(["/usr/sbin/chroot"] + ([f"--userspec={user}:{user}"] if user else []) + [self.path, "/bin/sh", "-c", line])
        print(f"    [root{' as ' + user if user else ''}] $ {line}", flush=True)
        r = subprocess.run(cmd, env=e, text=True, **kw)
        if check and r.returncode != 0:
            raise Failed(f"`{line}` exited with {r.returncode} in the bookworm root")
        return r

    def file(self, p):
        return os.path.join(self.path, p.lstrip("/"))

    def close(self, keep):
        for m in reversed(self.mounts):  # /proc is mounted in each command's own namespace only
            subprocess.run(["umount", "-R", "-l", m])
        still = [ln.split()[1] for ln in open("/proc/mounts") if ln.split()[1].startswith(self.path + "/")]
        if still:  # never delete through a mount of the host's /dev
            print(f"    left {self.path} in place: still mounted {still}", flush=True)
        elif not keep:
            shutil.rmtree(self.path, ignore_errors=True)


def unit(root, name):
    """The [Service] settings of an installed unit: {key: [values]}."""
    out = {}
    section = None
    for line in open(root.file(f"/lib/systemd/system/{name}"), encoding="utf-8"):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            section = line
            continue
        if section == "[Service]":
            k, v = line.split("=", 1)
            out.setdefault(k, []).append(v)
    return out


def service_command(root, u):
    """ExecStart with systemd's expansion (${X}: one word, $X: split on white space) of Environment= and
    EnvironmentFile= (later wins), as argv; plus the environment."""
    env = {}
    for e in u.get("Environment", []):
        for item in shlex.split(e):
            k, v = item.split("=", 1)
            env[k] = v
    for f in u.get("EnvironmentFile", []):
        path = root.file(f.lstrip("-"))
        if os.path.exists(path):
            for line in open(path, encoding="utf-8"):
                line = line.strip()
                if line and not line.startswith("#") and "=" in line:
                    k, v = line.split("=", 1)
                    env[k] = " ".join(shlex.split(v))
    argv = []
    for word in shlex.split(u["ExecStart"][0]):
        m = re.fullmatch(r"\$\{(\w+)\}", word)
        if m:
            argv.append(env.get(m.group(1), ""))
            continue
        m = re.fullmatch(r"\$(\w+)", word)
        if m:
            argv += env.get(m.group(1), "").split()
            continue
        argv.append(word)
    return argv, env


def set_default(root, key, value):
    path = root.file("/etc/default/engage-hub")
    text = open(path, encoding="utf-8").read()
    text = re.sub(rf"^{key}=.*$", f"{key}={value}", text, flags=re.M)
    open(path, "w", encoding="utf-8").write(text)


def stop_group(proc):
    """SIGTERM to the process group this test started (unshare itself ignores SIGTERM; its children do not),
    then SIGKILL to what is left."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def lintian(pkg_dir):
    debs = sorted(glob.glob(os.path.join(pkg_dir, "*.deb")))
    if not debs:
        raise Failed(f"no .deb in {pkg_dir}")
    r = run(["lintian", "--tag-display-limit", "0", *debs], check=False, capture_output=True)
    print(r.stdout + r.stderr, flush=True)
    errors = [ln for ln in r.stdout.splitlines() if ln.startswith("E:")]
    if errors:
        raise Failed(f"lintian: {len(errors)} error(s)")
    return debs


def hub_check(root, artefacts):
    u = unit(root, "engage-hub.service")
    user = u["User"][0]
    set_default(root, "ENGAGE_HUB_LISTEN", "127.0.0.1:0")  # a free port (other tests run on this machine)
    argv, env = service_command(root, u)
    env.update({"PATH": "/usr/bin:/bin", "HOME": f"/var/lib/{user}"})
    log_path = os.path.join(artefacts, "hub.log")
    print(f"    [root as {user}] $ {' '.join(argv)}", flush=True)
    with open(log_path, "w") as log:
        hub = subprocess.Popen(root.wrap(["/usr/sbin/chroot", f"--userspec={user}:{user}", root.path, *argv]), env=env,
                               stdout=log, stderr=subprocess.STDOUT, cwd="/", start_new_session=True)
    try:
        port = None
        for _ in range(300):
            m = re.search(r"listening on http://127\.0\.0\.1:(\d+)", open(log_path).read())
            if m:
                port = int(m.group(1))
                break
            if hub.poll() is not None:
                raise Failed(f"the installed hub exited with {hub.returncode}:\n{open(log_path).read()}")
            time.sleep(0.1)
        if not port:
            raise Failed("the installed hub did not start listening in 30 s")
        import urllib.request
        body = urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10).read().decode()
        print(f"    GET /healthz -> {body}", flush=True)
        if '"hub":"engage-hub"' not in body.replace(" ", ""):
            raise Failed(f"/healthz answered {body}")
        st = root.sh("engage-hub status --db /var/lib/engage-hub/hub.sqlite", user=user, capture_output=True)
        if "Library, Main St" not in st.stdout:
            raise Failed("the kiosk the README added is not in engage-hub status:\n" + st.stdout)
    finally:
        stop_group(hub)
    if "ERROR" in open(log_path).read():
        raise Failed(f"the hub logged an error: {log_path}")


def kiosk_check(root, artefacts):
    u = unit(root, "engage-kiosk.service")
    user = u["User"][0]
    argv, env = service_command(root, u)
    run_dir = root.file("/run/engage-test")
    shutil.rmtree(run_dir, ignore_errors=True)
    os.makedirs(run_dir)
    os.chmod(run_dir, 0o777)
    xdg = os.path.join(run_dir, "xdg")
    os.makedirs(xdg, exist_ok=True)
    uid = int(root.sh(f"id -u {user}", capture_output=True).stdout)
    os.chown(xdg, uid, uid)
    os.chmod(xdg, 0o700)
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(os.path.join(run_dir, "notify"))
    os.chmod(os.path.join(run_dir, "notify"), 0o777)
    env.update({"PATH": "/usr/bin:/bin", "HOME": "/var/lib/engage-kiosk", "XDG_RUNTIME_DIR": "/run/engage-test/xdg",
                "WLR_BACKENDS": "headless", "WLR_LIBINPUT_NO_DEVICES": "1", "WLR_RENDERER": "pixman",
                "NOTIFY_SOCKET": "/run/engage-test/notify", "WATCHDOG_USEC": "3000000"})
    # The service's main process is cage (the kiosk's parent): systemd names it in WATCHDOG_PID.
    line = "export WATCHDOG_PID=$$; exec " + " ".join(shlex.quote(a) for a in argv)
    log_path = os.path.join(artefacts, "kiosk.log")
    print(f"    [root as {user}] $ {line}", flush=True)
    with open(log_path, "w") as log:
        cage = subprocess.Popen(root.wrap(["/usr/sbin/chroot", f"--userspec={user}:{user}", root.path, "/bin/sh", "-c", line]), env=env,
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    messages = []
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not (any("READY=1" in m for m in messages) and "WATCHDOG=1" in messages):
            notify.settimeout(1)
            try:
                messages.append(notify.recv(4096).decode())
            except socket.timeout:
                pass
            if cage.poll() is not None:
                raise Failed(f"cage exited with {cage.returncode}:\n{open(log_path).read()[-4000:]}")
        print(f"    notifications: {messages}", flush=True)
        if not any("READY=1" in m for m in messages):
            raise Failed(f"no READY=1 from the installed kiosk in 90 s:\n{open(log_path).read()[-4000:]}")
        if "WATCHDOG=1" not in messages:
            raise Failed("READY=1 but no WATCHDOG=1 ping")
        time.sleep(1)
        shot = "/run/engage-test/attract.png"
        root.sh(f"grim {shot}", user=user, env={"XDG_RUNTIME_DIR": "/run/engage-test/xdg",
                                                "WAYLAND_DISPLAY": "wayland-0"})
        kept = os.path.join(artefacts, "kiosk-attract.png")
        shutil.copy(root.file(shot), kept)
        sd = run(["convert", kept, "-format", "%[fx:standard_deviation]", "info:"], capture_output=True).stdout
        print(f"    screenshot: {kept} (standard deviation of its pixels {sd})", flush=True)
        if float(sd) < 0.01:
            raise Failed(f"the screenshot {kept} is blank")
        klog = root.file("/var/lib/engage-kiosk/engage-kiosk.log")
        if "Engage kiosk" not in open(klog).read():
            raise Failed("no kiosk log in /var/lib/engage-kiosk")
    finally:
        stop_group(cage)  # cage, the kiosk and cage's Xwayland
        notify.close()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("pkg_dir")
    p.add_argument("artefacts")
    p.add_argument("--mirror", default=os.environ.get("ENGAGE_DEBIAN_MIRROR", "http://deb.debian.org/debian"))
    p.add_argument("--keep-root", action="store_true", help="leave the bookworm root in /var/tmp/engage-pkgtest")
    p.add_argument("--reuse-root", metavar="DIR", help="(while working on this test) a root kept by --keep-root")
    args = p.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("package-test needs root (debootstrap, chroot, mount): run it with sudo")
    os.makedirs(args.artefacts, exist_ok=True)
    start = time.monotonic()
    t = step("lintian")
    debs = lintian(args.pkg_dir)
    done(t)
    blocks = readme_blocks("Install on a kiosk", "Install the hub")
    os.makedirs(WORK, exist_ok=True)
    root = Root(args.reuse_root or tempfile.mkdtemp(prefix="root-", dir=WORK), args.mirror)
    try:
        t = step(f"debootstrap bookworm into {root.path}")
        root.create(reuse=bool(args.reuse_root))
        # A fresh Debian install has sudo (minbase does not); grim takes the screenshot.
        root.sh("apt-get install -y -qq --no-install-recommends sudo grim >/dev/null")
        done(t)
        home = root.file("/root/packages")
        os.makedirs(home, exist_ok=True)
        for d in debs:
            shutil.copy(d, home)
        for heading, lines in blocks.items():
            t = step(f'README.md "{heading}", word for word')
            for line in lines:
                root.sh(f"cd /root/packages && {line}")
            done(t)
        t = step("the installed units")
        root.sh("systemctl is-enabled engage-kiosk.service engage-hub.service")
        units = sorted(os.path.basename(u) for u in glob.glob(root.file("/lib/systemd/system/engage-*.service")))
        root.sh("systemd-analyze verify " + " ".join(units))
        r = root.sh("systemd-analyze security --offline=true --no-pager /lib/systemd/system/engage-hub.service",
                    capture_output=True, check=False)
        print(r.stdout[-1500:], flush=True)
        m = re.search(r"Overall exposure level for engage-hub\.service: (\d+(?:\.\d+)?)", r.stdout)
        if not m:
            raise Failed("systemd-analyze security printed no exposure:\n" + r.stdout + r.stderr)
        print(f"    engage-hub.service exposure: {m.group(1)} (at most {MAX_EXPOSURE})", flush=True)
        if float(m.group(1)) > MAX_EXPOSURE:
            raise Failed(f"engage-hub.service exposure {m.group(1)} is above {MAX_EXPOSURE}")
        done(t)
        t = step("the hub from the installed unit")
        hub_check(root, args.artefacts)
        done(t)
        t = step("the kiosk from the installed unit, under cage (headless)")
        kiosk_check(root, args.artefacts)
        done(t)
    finally:
        root.close(args.keep_root or args.reuse_root)
    print(f"\npackage-test passed in {time.monotonic() - start:.0f} s; artefacts in {args.artefacts}")


if __name__ == "__main__":
    try:
        main()
    except Failed as e:
        print(f"\npackage-test FAILED: {e}", file=sys.stderr)
        sys.exit(1)
