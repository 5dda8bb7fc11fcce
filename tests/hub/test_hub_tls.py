#!/usr/bin/env python3
"""engage-hub serve --tls-cert/--tls-key: a CA and a server certificate made with the openssl command line; an
HTTPS client that verifies against that CA works (healthz and a batch); one without it is refused; bad
certificate files stop the hub with a clear message."""
import os
import shutil
import ssl
import subprocess
import sys
import tempfile

import hubtest
from hubtest import check


def openssl(*args, cwd):
    r = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True, timeout=60)
    check(r.returncode == 0, "openssl", args, r.stderr)


def make_certs(d):
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=Engage Test CA",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=d)
    openssl("req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1", cwd=d)
    with open(os.path.join(d, "ext.cnf"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n"
                "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "server.pem", "-days", "2", "-extfile", "ext.cnf", cwd=d)
    openssl("req", "-x509", *ec, "-keyout", "other.key", "-out", "other.pem", "-days", "2", "-subj", "/CN=other",
            cwd=d)


def main():
    binary = sys.argv[1]
    if not shutil.which("openssl"):
        print("FAILED: the openssl command is needed (Debian package openssl)")
        sys.exit(1)
    with tempfile.TemporaryDirectory(prefix="engage-hub-tls-") as d:
        make_certs(d)
        p = lambda name: os.path.join(d, name)  # noqa: E731
        db = hubtest.SqliteDb(p("hub.sqlite"))
        k = hubtest.add_kiosk(binary, db.spec, "Secure Hall")
        hub = hubtest.Hub(binary, db.spec, d, extra=["--tls-cert", p("server.pem"), "--tls-key", p("server.key")],
                          name="tls")
        with hub:
            check(hub.scheme == "https", "the hub does not say https", hub.log())
            hub.ssl_context = ssl.create_default_context(cafile=p("ca.pem"))
            hub.healthz()
            # HSTS under TLS (and nosniff on every JSON reply).
            _, hdrs, _ = hub.request("GET", "/healthz")
            check(hdrs.get("strict-transport-security", "").startswith("max-age="), "no HSTS under TLS", hdrs)
            check(hdrs.get("x-content-type-options") == "nosniff", "JSON without nosniff", hdrs)
            device = hubtest.new_kiosk_id()
            b = hubtest.batch(device, [hubtest.record(1), hubtest.record(2)])
            st, reply, text = hub.send_batch(k["token"], b)
            check(st == 200, st, text)
            hubtest.expect_reply(reply, b, ["stored", "stored"])
            # Without the CA the certificate is not trusted: verification is really happening.
            hub.ssl_context = ssl.create_default_context()
            try:
                hub.healthz()
                check(False, "an HTTPS client without the test CA was not refused")
            except ssl.SSLCertVerificationError:
                pass
            # Plain HTTP to the TLS port gets nowhere, and the hub keeps serving.
            hub.scheme = "http"
            try:
                st = hub.request("GET", "/healthz")[0]
            except Exception as e:  # noqa: BLE001 - refused, reset or garbled: all fine here
                st = repr(e)
            check(st != 200, "plain HTTP answered 200 on the TLS port")
            hub.scheme = "https"
            hub.ssl_context = ssl.create_default_context(cafile=p("ca.pem"))
            hub.healthz()
        check(int(db.rows("SELECT COUNT(*) FROM records")[0][0]) == 2, "records over HTTPS not stored")

        # A key that does not match the certificate, a certificate that is not PEM: refused at start.
        with open(p("junk.pem"), "w") as f:
            f.write("not a certificate\n")
        for cert, key in ((p("server.pem"), p("other.key")), (p("junk.pem"), p("server.key"))):
            r = hubtest.cli(binary, "serve", "--db", db.spec, "--listen", "127.0.0.1:0", "--tls-cert", cert,
                            "--tls-key", key, check_rc=2)
            check("--tls-cert" in r.stderr and "--tls-key" in r.stderr, r.stderr)
    print("passed tls")


if __name__ == "__main__":
    hubtest.run(main)
