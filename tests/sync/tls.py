#!/usr/bin/env python3
"""A throwaway certificate authority and a server certificate for 127.0.0.1 (and localhost), made with the
openssl command line in a folder of your choosing. Nothing here is trusted by the system, so a client that
is not given ca.pem must refuse the server.

    from tls import make_ca
    certs = make_ca(tmpdir)   # {"ca": .../ca.pem, "cert": .../server.pem, "key": .../server.key, ...}
    python3 tls.py DIR        # the same from the shell; prints the paths
"""
import os
import subprocess
import sys


def _openssl(*args, cwd):
    r = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise RuntimeError(f"openssl {' '.join(args)} failed ({r.returncode}): {r.stderr.strip()}")
    return r.stdout


def make_ca(folder, days=2, names=("127.0.0.1", "localhost")):
    os.makedirs(folder, exist_ok=True)
    p = {k: os.path.join(folder, v) for k, v in {
        "ca": "ca.pem", "ca_key": "ca.key", "key": "server.key", "csr": "server.csr", "cert": "server.pem",
        "ext": "server.ext", "chain": "server-chain.pem"}.items()}
    _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", p["ca_key"], "-out", p["ca"], "-days", str(days), "-subj", "/CN=Engage test CA",
             "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
             cwd=folder)
    _openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", p["key"], "-out", p["csr"], "-subj", "/CN=127.0.0.1", cwd=folder)
    alt = ",".join(("IP:" if n[0].isdigit() else "DNS:") + n for n in names)
    with open(p["ext"], "w") as f:
        f.write("basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
                f"extendedKeyUsage=serverAuth\nsubjectAltName={alt}\n")
    _openssl("x509", "-req", "-in", p["csr"], "-CA", p["ca"], "-CAkey", p["ca_key"], "-CAcreateserial",
             "-out", p["cert"], "-days", str(days), "-extfile", p["ext"], cwd=folder)
    with open(p["chain"], "w") as out:
        for name in ("cert", "ca"):
            with open(p[name]) as f:
                out.write(f.read())
    os.chmod(p["key"], 0o600)
    return p


def make_self_signed(folder, days=2):
    """A server certificate signed by nobody (for "the kiosk must refuse it")."""
    os.makedirs(folder, exist_ok=True)
    key, cert = os.path.join(folder, "self.key"), os.path.join(folder, "self.pem")
    _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", key, "-out", cert, "-days", str(days), "-subj", "/CN=127.0.0.1",
             "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", cwd=folder)
    return {"cert": cert, "key": key}


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: tls.py DIR", file=sys.stderr)
        sys.exit(2)
    for k, v in make_ca(sys.argv[1]).items():
        print(f"{k}\t{v}")
