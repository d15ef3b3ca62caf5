"""The documented deployment: contrib/deploy/nginx.conf in front of `atmp serve`.

The file is checked as written (TLS protocols, HSTS, the forwarded headers atmp relies on), then
run: a real nginx (Debian's nginx-light; .ci/run installs it) with the file, its ports and
certificate paths substituted, in front of `atmp serve`, and a sign-in POST goes through it over
HTTPS with the Origin of the public URL.
"""

from __future__ import annotations

import datetime as dt
import http.client
import http.cookies
import os
import re
import shutil
import ssl
import subprocess
import time
from pathlib import Path

import pytest

from tests.helpers import atmp_command, run_atmp, subprocess_env

ROOT = Path(__file__).resolve().parent.parent
CONF = ROOT / "contrib" / "deploy" / "nginx.conf"
PASSWORD = "a proxy-tested passphrase"
REQUIRE_NGINX = os.environ.get("ATMP_REQUIRE_NGINX") == "1"


def directives(text: str) -> list[list[str]]:
    """Return every directive of an nginx file as its words, blocks flattened, comments dropped."""
    text = re.sub(r"#[^\n]*", "", text)
    out = []
    for statement in re.split(r"[;{}]", text):
        words = re.findall(r'"[^"]*"|\S+', statement)
        if words:
            out.append([w.strip('"') for w in words])
    return out


def servers(text: str) -> list[str]:
    """Return the text of each top-level server block."""
    text = re.sub(r"#[^\n]*", "", text)
    blocks, depth, start = [], 0, None
    for m in re.finditer(r"server\s*\{|\{|\}", text):
        if m.group().startswith("server") and depth == 0:
            start, depth = m.end(), 1
        elif m.group() == "{":
            depth += bool(depth)
        elif depth:
            depth -= 1
            if depth == 0:
                blocks.append(text[start : m.start()])
    return blocks


def test_the_proxy_speaks_tls_1_2_and_1_3_only_and_redirects_plain_http():
    plain, tls = servers(CONF.read_text())
    assert ["return", "301", "https://$host$request_uri"] in directives(plain)
    words = directives(tls)
    assert ["listen", "443", "ssl", "http2"] in words
    assert ["ssl_protocols", "TLSv1.2", "TLSv1.3"] in words
    assert ["ssl_session_tickets", "off"] in words


def test_the_proxy_sends_hsts_on_every_answer():
    words = directives(servers(CONF.read_text())[1])
    hsts = [w for w in words if w[:2] == ["add_header", "Strict-Transport-Security"]]
    assert len(hsts) == 1 and hsts[0][-1] == "always"
    assert int(re.search(r"max-age=(\d+)", hsts[0][2]).group(1)) >= 365 * 24 * 3600
    assert ["proxy_hide_header", "Strict-Transport-Security"] in words  # one header, not two


def test_the_proxy_overwrites_the_forwarded_headers_atmp_trusts():
    words = directives(servers(CONF.read_text())[1])
    assert ["proxy_set_header", "Host", "$host"] in words
    assert ["proxy_set_header", "X-Forwarded-Proto", "$scheme"] in words
    # $remote_addr, not $proxy_add_x_forwarded_for: a client's own X-Forwarded-For is not passed on.
    assert ["proxy_set_header", "X-Forwarded-For", "$remote_addr"] in words
    assert any(w[0] == "proxy_pass" for w in words)


# --- a real nginx in front of `atmp serve` ---------------------------------------------------


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def self_signed(folder: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def nginx_config(folder: Path, *, http_port: int, https_port: int, atmp_port: int) -> Path:
    """Write a main nginx.conf around contrib/deploy/nginx.conf with this test's ports and certificate."""
    cert, key = self_signed(folder)
    site = CONF.read_text()
    site = re.sub(r"\n\s*listen \[::\][^\n]*", "", site)  # IPv4 loopback only in the test
    site = site.replace("listen 80;", f"listen 127.0.0.1:{http_port};")
    site = site.replace("listen 443 ssl", f"listen 127.0.0.1:{https_port} ssl")
    site = site.replace("server 127.0.0.1:8000;", f"server 127.0.0.1:{atmp_port};")
    site = site.replace("/etc/ssl/atmp/fullchain.pem", str(cert)).replace("/etc/ssl/atmp/privkey.pem", str(key))
    site = site.replace("atmp.example.org", "localhost")
    (folder / "atmp.conf").write_text(site)
    main = folder / "nginx.conf"
    main.write_text(
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"worker_processes 1;\npid {folder}/nginx.pid;\nerror_log {folder}/error.log;\ndaemon off;\n"
        + "events { worker_connections 64; }\n"
        + f"http {{\n  access_log {folder}/access.log;\n  client_body_temp_path {folder}/body;\n"
        + f"  proxy_temp_path {folder}/proxy;\n  include {folder}/atmp.conf;\n}}\n"
    )
    return main


def wait_for(port: int, proc: subprocess.Popen[str], what: str) -> None:
    import socket

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"{what} exited {proc.returncode}: {proc.stderr.read() if proc.stderr else ''}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    pytest.fail(f"{what} did not listen on port {port}")


@pytest.fixture
def nginx() -> str:
    found = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.path.exists(p)), None)
    if found is None:
        if REQUIRE_NGINX:
            pytest.fail("nginx is not installed (apt-get install -y nginx-light), and ATMP_REQUIRE_NGINX=1 requires it")
        pytest.skip("nginx is not installed (apt-get install -y nginx-light)")
    return found


class Browser:
    """Just enough of a browser over HTTPS: cookies, and the response's headers and body."""

    def __init__(self, port: int) -> None:
        self.port, self.cookies = port, http.cookies.SimpleCookie()
        self.context = ssl.create_default_context()
        self.context.check_hostname, self.context.verify_mode = False, ssl.CERT_NONE  # the test's own certificate

    def request(self, method: str, path: str, body: str = "", headers: dict[str, str] | None = None):
        conn = http.client.HTTPSConnection("localhost", self.port, context=self.context, timeout=30)
        sent = {"Host": f"localhost:{self.port}", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={m.value}" for k, m in self.cookies.items())
        conn.request(method, path, body=body, headers=sent)
        response = conn.getresponse()
        data = response.read().decode()
        set_cookies = response.headers.get_all("Set-Cookie") or []
        for raw in set_cookies:
            self.cookies.load(raw)
        conn.close()
        return response, data, set_cookies


def test_a_sign_in_post_through_nginx_over_https_works(nginx, tmp_path):
    from urllib.parse import urlencode

    http_port, https_port, atmp_port = free_port(), free_port(), free_port()
    public = f"https://localhost:{https_port}"
    home = tmp_path / "home"
    home.mkdir()
    env = subprocess_env(home, ATMP_PUBLIC_URL=public, ATMP_TRUSTED_PROXIES="127.0.0.1", ATMP_PASSWORD=PASSWORD)
    run_atmp(["init"], env)
    run_atmp(["user", "add", "quinn", "--full-name", "Quinn Proxy", "--role", "qa_reviewer"], env)
    folder = tmp_path / "nginx"
    folder.mkdir()
    conf = nginx_config(folder, http_port=http_port, https_port=https_port, atmp_port=atmp_port)
    test = subprocess.run([nginx, "-t", "-p", str(folder), "-e", str(folder / "error.log"), "-c", str(conf)],
                          capture_output=True, text=True, check=False)  # fmt: skip
    assert test.returncode == 0, test.stderr
    server = subprocess.Popen([*atmp_command(), "serve", "--port", str(atmp_port)], env=env, cwd=home,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)  # fmt: skip
    proxy = subprocess.Popen([nginx, "-p", str(folder), "-e", str(folder / "error.log"), "-c", str(conf)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        wait_for(atmp_port, server, "atmp serve")
        wait_for(https_port, proxy, "nginx")
        browser = Browser(https_port)
        response, page, cookies = browser.request("GET", "/login/")
        assert response.status == 200, page[:500]
        assert response.headers.get_all("Strict-Transport-Security") == ["max-age=31536000"]
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
        assert any(c.startswith("csrftoken=") and "Secure" in c for c in cookies), cookies
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        form = urlencode({"username": "quinn", "password": PASSWORD, "csrfmiddlewaretoken": token})
        response, body, cookies = browser.request("POST", "/login/", form, {
            "Content-Type": "application/x-www-form-urlencoded", "Origin": public, "Referer": f"{public}/login/",
            "X-Forwarded-For": "10.6.6.6",  # what a client writes itself is not believed
        })  # fmt: skip
        assert response.status == 302, body[:2000]
        assert not response.headers["Location"].startswith("/login/")
        assert any(c.startswith("sessionid=") and "Secure" in c and "HttpOnly" in c for c in cookies), cookies
        response, _, _ = browser.request("GET", "/")
        assert response.status in (200, 302)
        plain = http.client.HTTPConnection("127.0.0.1", http_port, timeout=10)
        plain.request("GET", "/login/", headers={"Host": "localhost"})
        redirect = plain.getresponse()
        assert redirect.status == 301 and redirect.headers["Location"] == "https://localhost/login/"
    finally:
        for proc in (proxy, server):
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=15)
