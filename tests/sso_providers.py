"""Small real sign-in servers for the CAS and OIDC tests, each served over HTTP on a free
127.0.0.1 port from a thread, and a browser-like walk through the app's redirects.

Each server keeps its people (password, name, groups) in ``people``, which a test changes as
a directory administrator would. They speak the protocols as real servers do: CAS 2 and 3
(``/login``, ``/serviceValidate``, ``/p3/serviceValidate``; one-use tickets bound to the
service), and OIDC's authorization code flow (discovery, ``/authorize``, ``/token`` with the
client's secret, ID tokens signed with RS256 under a key published at ``/jwks``).
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit
from xml.sax.saxutils import escape

import requests
from flask import Flask, Response, abort, redirect, request
from joserfc import jwt
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server


@dataclass
class Person:
    password: str
    name: str
    groups: list[str] = field(default_factory=list)


class ThreadedServer:
    """A WSGI app on 127.0.0.1:<free port>, served from a thread until ``stop()``."""

    def __init__(self, app: Flask):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


_LOGIN_FORM = '<form method="post"><input name="username"><input name="password" type="password"></form>'


class CasServer(ThreadedServer):
    def __init__(self):
        self.people: dict[str, Person] = {}
        self.tickets: dict[str, tuple[str, str]] = {}  #: ticket → (username, service)
        self.validations = 0
        app = Flask("cas-test-server")
        app.add_url_rule("/cas/login", view_func=self._login, methods=["GET", "POST"])
        app.add_url_rule("/cas/serviceValidate", "validate2", view_func=lambda: self._validate(version=2))
        app.add_url_rule("/cas/p3/serviceValidate", "validate3", view_func=lambda: self._validate(version=3))
        super().__init__(app)
        self.base = f"{self.url}/cas/"

    def _login(self):
        service = request.args.get("service") or abort(400)
        if request.method == "GET":
            return _LOGIN_FORM
        person = self.people.get(request.form["username"])
        if person is None or person.password != request.form["password"]:
            return _LOGIN_FORM, 401
        ticket = f"ST-{secrets.token_urlsafe(16)}"
        self.tickets[ticket] = (request.form["username"], service)
        separator = "&" if "?" in service else "?"
        return redirect(f"{service}{separator}{urlencode({'ticket': ticket})}")

    def _validate(self, version: int):
        self.validations += 1
        issued = self.tickets.pop(request.args.get("ticket", ""), None)  # one use, as CAS requires
        if issued is None or issued[1] != request.args.get("service"):
            body = '<cas:authenticationFailure code="INVALID_TICKET">ticket not recognised</cas:authenticationFailure>'
        else:
            username = issued[0]
            person = self.people[username]
            groups = "".join(f"<cas:memberOf>{escape(g)}</cas:memberOf>" for g in person.groups)
            attributes = (
                f"<cas:attributes><cas:displayName>{escape(person.name)}</cas:displayName>{groups}</cas:attributes>"
            )
            body = (
                f"<cas:authenticationSuccess><cas:user>{escape(username)}</cas:user>{attributes}"
                "</cas:authenticationSuccess>"
            )
        xml = f"<cas:serviceResponse xmlns:cas='http://www.yale.edu/tp/cas'>{body}</cas:serviceResponse>"
        return Response(xml, content_type="application/xml; charset=utf-8")


class OidcProvider(ThreadedServer):
    CLIENT_ID = "evalsite-test"
    CLIENT_SECRET = "oidc-client-secret-for-tests"  # noqa: S105 - a throwaway test server's

    def __init__(self):
        self.people: dict[str, Person] = {}
        self.codes: dict[str, dict] = {}
        self.key = RSAKey.generate_key(2048, parameters={"kid": "test-key-1", "use": "sig"})
        #: A test sets this to sign ID tokens with a key the provider does not publish.
        self.signing_key = self.key
        app = Flask("oidc-test-provider")
        app.add_url_rule("/.well-known/openid-configuration", view_func=self._discovery)
        app.add_url_rule("/authorize", view_func=self._authorize, methods=["GET", "POST"])
        app.add_url_rule("/token", view_func=self._token, methods=["POST"])
        app.add_url_rule("/jwks", "jwks", view_func=lambda: {"keys": [self.key.as_dict(private=False)]})
        super().__init__(app)

    def _discovery(self):
        return {
            "issuer": self.url,
            "authorization_endpoint": f"{self.url}/authorize",
            "token_endpoint": f"{self.url}/token",
            "jwks_uri": f"{self.url}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        }

    def _authorize(self):
        args = request.args
        if args.get("client_id") != self.CLIENT_ID or args.get("response_type") != "code":
            abort(400)
        if "openid" not in args.get("scope", "").split():
            abort(400)
        if request.method == "GET":
            return _LOGIN_FORM
        username = request.form["username"]
        person = self.people.get(username)
        if person is None or person.password != request.form["password"]:
            return _LOGIN_FORM, 401
        code = secrets.token_urlsafe(16)
        self.codes[code] = {"username": username, "nonce": args.get("nonce"), "redirect_uri": args["redirect_uri"]}
        return redirect(f"{args['redirect_uri']}?{urlencode({'code': code, 'state': args['state']})}")

    def _token(self):
        auth = request.authorization
        client_id, secret = (
            (auth.username, auth.password)
            if auth
            else (request.form.get("client_id"), request.form.get("client_secret"))
        )
        if client_id != self.CLIENT_ID or secret != self.CLIENT_SECRET:
            return {"error": "invalid_client"}, 401
        grant = self.codes.pop(request.form.get("code", ""), None)
        if grant is None or grant["redirect_uri"] != request.form.get("redirect_uri"):
            return {"error": "invalid_grant"}, 400
        person = self.people[grant["username"]]
        now = int(time.time())
        claims = {
            "iss": self.url,
            "sub": f"sub-{grant['username']}",
            "aud": self.CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "nonce": grant["nonce"],
            "preferred_username": grant["username"],
            "name": person.name,
            "groups": person.groups,
        }
        id_token = jwt.encode({"alg": "RS256", "kid": "test-key-1"}, claims, self.signing_key)
        return {
            "access_token": secrets.token_urlsafe(16),
            "token_type": "Bearer",
            "expires_in": 300,
            "id_token": id_token,
        }


def sign_in_through(client, start: str, username: str, password: str):
    """What a browser does after a click on the login page's button: follow the app's
    redirect to the sign-in server, fill in its form, and follow it back to the app.

    ``client`` is the app's test client; the sign-in server is spoken to over real HTTP,
    with its own cookies. Returns the app's answer on its return route (not followed further).
    """
    return client.get(return_path(client, start, username, password))


def return_path(client, start: str, username: str, password: str) -> str:
    """The app's return address (with its ticket or code) that the sign-in server sends the
    browser to after ``username`` signed in there; not yet visited."""
    response = client.get(start)
    assert response.status_code == 302, response.text
    with requests.Session() as browser:
        page = browser.get(response.headers["Location"], allow_redirects=False, timeout=10)
        assert page.status_code == 200, page.text  # the server's own sign-in form
        page = browser.post(
            page.url, data={"username": username, "password": password}, allow_redirects=False, timeout=10
        )
    assert page.status_code == 302, f"the sign-in server answered {page.status_code}: {page.text[:200]}"
    target = urlsplit(page.headers["Location"])
    assert target.netloc == "localhost", target  # back to the app
    return f"{target.path}?{target.query}"
