#!/usr/bin/env python3
"""The dashboard's "Import a USB bundle" upload: a real engage-kiosk writes a bundle, an organiser logged in to the
real engage-hub uploads it as a browser would (multipart form). Uploading twice stores each response once; a
tampered bundle is refused with nothing stored; no upload without the form's CSRF token.

usage: test_dashboard_upload.py ENGAGE_HUB ENGAGE_KIOSK
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True
import hubtest  # noqa: E402
from hubtest import check  # noqa: E402
from test_dashboard import Browser, PASSWORD, USER, check_escaped, cli  # noqa: E402


def upload(browser, name, data, csrf, path="/dashboard/import", field="bundle"):
    """POSTs a file as a browser's multipart form would, with the form's CSRF token (None: without). (status, page)"""
    boundary = "----engage" + uuid.uuid4().hex
    parts = []
    if csrf is not None:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n{csrf}\r\n'.encode())
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{name}"\r\n'
                 'Content-Type: application/octet-stream\r\n\r\n'.encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    body = b"".join(parts)
    h = {"Cookie": browser._cookie_header(), "Content-Type": f"multipart/form-data; boundary={boundary}"}
    c = browser.hub.connection()
    try:
        c.request("POST", path, body=body, headers=h)
        r = c.getresponse()
        return r.status, r.read().decode("utf-8", "replace")
    finally:
        c.close()


def main():
    hub_bin, kiosk_bin = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory(prefix="engage-upload-") as tmp:
        db = os.path.join(tmp, "hub.sqlite")
        cli(hub_bin, "user", "add", USER, "--db", db, "--password-stdin", input_text=PASSWORD + "\n")
        enrol = json.loads(cli(hub_bin, "kiosk", "add", "Canal <Hall>", "--db", db, "--json").stdout)
        key_file = os.path.join(tmp, "kiosk.key")
        cli(hub_bin, "kiosk", "key", enrol["id"], "--out", key_file, "--db", db)
        data, stick = os.path.join(tmp, "kiosk"), os.path.join(tmp, "stick")
        os.makedirs(stick)
        for args in (["seed", "--data-dir", data, "--count", "12"], ["pair", "--key-file", key_file, "--data-dir", data],
                     ["bundle", "--data-dir", data, "--to", stick]):
            r = subprocess.run([kiosk_bin, *args], capture_output=True, text=True)
            check(r.returncode == 0, args, r.stdout, r.stderr)
        (name,) = [f for f in os.listdir(stick) if f.endswith(".bundle")]
        with open(os.path.join(stick, name), "rb") as f:
            bundle = f.read()
        count = lambda: int(hubtest.SqliteDb(db).rows("SELECT count(*) FROM records")[0][0])  # noqa: E731

        with hubtest.Hub(hub_bin, db, tmp, name="upload") as hub:
            b = Browser(hub)
            st, _, _ = b.login(USER, PASSWORD)
            st, _, page = b.get("/dashboard/import")
            check(st == 200 and 'enctype="multipart/form-data"' in page, st, page[:400])
            csrf = b.csrf(page)
            # No token, a wrong token: refused, nothing stored.
            st, _ = upload(b, name, bundle, None)
            check(st == 403 and count() == 0, "upload without the CSRF token", st)
            st, _ = upload(b, name, bundle, "x" * len(csrf))
            check(st == 403 and count() == 0, "upload with a wrong CSRF token", st)
            # A changed byte: refused, nothing stored.
            bad = bytearray(bundle)
            bad[len(bad) // 2] ^= 0x01
            st, page = upload(b, name, bytes(bad), csrf)
            check(st == 422 and "was not imported" in page and "Nothing was stored" in page and count() == 0, st, page)
            # The real one, twice: 12 stored, then 12 already held.
            st, page = upload(b, name, bundle, csrf)
            check(st == 200 and "12 responses stored, 0 already held" in page, st, page)
            check_escaped(page, "import result")
            check("Canal &lt;Hall&gt;" in page, "the kiosk's name escaped", page)
            st, page = upload(b, name, bundle, csrf)
            check(st == 200 and "0 responses stored, 12 already held" in page, st, page)
            check(count() == 12, "records after uploading twice", count())
            # Not logged in: to the login page.
            st, _ = upload(Browser(hub), name, bundle, csrf)
            check(st == 303 and count() == 12, "upload without a login", st)
            check(re.search(r"dashboard import user=Organiser Ann file=\S+ stored 12", hub.log()), hub.log()[-2000:])
    print("passed dashboard_upload")


if __name__ == "__main__":
    hubtest.run(main)
