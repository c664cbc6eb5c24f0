#!/usr/bin/python3
"""Interoperability test: idctl (our JOSE/JWT implementation) against Debian's PyJWT.

PyJWT 2.6 (python3-jwt) on python3-cryptography 38 is an independent implementation of
RFC 7515/7517/7518/7519. For every algorithm this test checks:

  * idctl -> PyJWT: a token signed by `idctl jwt sign` verifies in PyJWT with the public JWK
    `idctl keys public` printed (the oct JWK itself for HS*), with the same claims and header.
  * PyJWT -> idctl: a token signed by PyJWT with a key made by python cryptography verifies in
    `idctl jwt verify` against a JWKS built from PyJWT's to_jwk.
  * negative cross-checks: flipped signature byte, expired token, wrong audience, alg "none",
    tampered payload.
  * PEM: python cryptography PEM -> `idctl keys from-pem`, and `idctl keys to-pem` ->
    python cryptography.

Usage: /usr/bin/python3 pyjwt_interop_test.py IDCTL_BINARY [unittest args...]

Must run under Debian's /usr/bin/python3: that is where python3-jwt is installed. Writes JUnit
XML to $XML_OUTPUT_FILE when set (Bazel convention) and exits non-zero if any test fails.
"""

import base64
import json
import os
import subprocess
import sys
import tempfile
import time
import traceback
import unittest
import xml.etree.ElementTree as ET

import jwt
from jwt import algorithms as jwt_algorithms
from cryptography.hazmat.primitives import hashes, hmac, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

IDCTL = None  # set in main() from argv[1]

ISS = "https://issuer.interop.test"
AUD = "interop-audience"

# alg -> (family, parameter): RSA key size, EC curve, HMAC secret length.
ALGORITHMS = {
    "RS256": ("RSA", 2048),
    "RS384": ("RSA", 2048),
    "RS512": ("RSA", 2048),
    "PS256": ("RSA", 2048),
    "PS384": ("RSA", 2048),
    "PS512": ("RSA", 2048),
    "ES256": ("EC", ec.SECP256R1),
    "ES384": ("EC", ec.SECP384R1),
    "ES512": ("EC", ec.SECP521R1),
    "EdDSA": ("OKP", None),
    "HS256": ("oct", 32),
    "HS384": ("oct", 48),
    "HS512": ("oct", 64),
}
ASYMMETRIC = [a for a, (family, _) in ALGORITHMS.items() if family != "oct"]
EC_COORD_BYTES = {"P-256": 32, "P-384": 48, "P-521": 66}


# ---------------------------------------------------------------------------------------------
# helpers


def b64url_encode(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text):
    if isinstance(text, str):
        text = text.encode("ascii")
    return base64.urlsafe_b64decode(text + b"=" * (-len(text) % 4))


def tmp_root():
    return os.environ.get("TEST_TMPDIR") or None


_WORKDIR = None


def workdir():
    global _WORKDIR
    if _WORKDIR is None:
        _WORKDIR = tempfile.TemporaryDirectory(prefix="pyjwt_interop_", dir=tmp_root())
    return _WORKDIR.name


_counter = [0]


def write_file(content, suffix=".json"):
    """Writes content (str, bytes or JSON-able object) to a fresh file; returns its path."""
    _counter[0] += 1
    path = os.path.join(workdir(), "f%04d%s" % (_counter[0], suffix))
    if isinstance(content, (dict, list)):
        content = json.dumps(content, indent=2)
    mode = "wb" if isinstance(content, bytes) else "w"
    with open(path, mode, **({} if mode == "wb" else {"encoding": "utf-8"})) as f:
        f.write(content)
    return path


def idctl(*args, stdin=None, check=True):
    """Runs idctl; returns CompletedProcess (text). With check, exit status 0 is required."""
    proc = subprocess.run(
        [IDCTL] + list(args),
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            "idctl %s: exit %d\nstdout: %s\nstderr: %s"
            % (" ".join(args), proc.returncode, proc.stdout, proc.stderr)
        )
    return proc


def base_claims(**overrides):
    now = int(time.time())
    claims = {
        "iss": ISS,
        "sub": "user-1234",
        "aud": AUD,
        "iat": now,
        "exp": now + 3600,
        # Non-ASCII text. PyJWT serializes with ensure_ascii=True, so these arrive at idctl as
        # \u escapes (the emoji as a UTF-16 surrogate pair); idctl signs raw UTF-8.
        "note": "café ✓",
        "emoji": "\U0001F510 ok",
        "roles": ["reader", "writer"],
    }
    claims.update(overrides)
    return claims


# ---- idctl-generated keys (cached per alg: RSA keygen takes up to ~1 s) --------------------

_idctl_keys = {}


def idctl_key(alg):
    """Returns (private_jwk_path, private_jwk_dict) of an idctl-generated key for alg."""
    if alg not in _idctl_keys:
        kid = "idctl-" + alg
        out = idctl("keys", "generate", "--alg", alg, "--kid", kid).stdout
        jwk_dict = json.loads(out)
        _idctl_keys[alg] = (write_file(out), jwk_dict)
    return _idctl_keys[alg]


def idctl_public_jwk(alg):
    """The JWK a verifier gets: `idctl keys public` for asymmetric keys, the oct JWK for HS."""
    path, private = idctl_key(alg)
    if ALGORITHMS[alg][0] == "oct":
        return private
    return json.loads(idctl("keys", "public", path).stdout)


def idctl_sign(alg, claims, *extra):
    path, _ = idctl_key(alg)
    token = idctl("jwt", "sign", "--key", path, "--claims", json.dumps(claims), *extra).stdout
    return token.strip()


# ---- python-cryptography keys -----------------------------------------------------------------

_py_keys = {}


def new_python_key(alg):
    family, param = ALGORITHMS[alg]
    if family == "RSA":
        return rsa.generate_private_key(public_exponent=65537, key_size=param)
    if family == "EC":
        return ec.generate_private_key(param())
    if family == "OKP":
        return ed25519.Ed25519PrivateKey.generate()
    return os.urandom(param)


def python_key(alg, which=0):
    if (alg, which) not in _py_keys:
        _py_keys[(alg, which)] = new_python_key(alg)
    return _py_keys[(alg, which)]


def pad_ec_coordinates(jwk_dict):
    """PyJWT 2.6 ECAlgorithm.to_jwk encodes x/y as minimal-length integers (to_base64url_uint),
    but RFC 7518 section 6.2.1.2 requires the full coordinate size (66 bytes for P-521, so half
    of all P-521 coordinates come out one byte short). Fixed upstream in PyJWT 2.7. idctl
    rightly rejects short coordinates (see test_pyjwt_short_ec_coordinates_rejected)."""
    if jwk_dict.get("kty") == "EC":
        size = EC_COORD_BYTES[jwk_dict["crv"]]
        for name in ("x", "y", "d"):
            if name in jwk_dict:
                raw = b64url_decode(jwk_dict[name])
                jwk_dict[name] = b64url_encode(raw.rjust(size, b"\0"))
    return jwk_dict


def python_public_jwk(alg, key, kid):
    """Public JWK via the PyJWT algorithm's to_jwk, plus kid and alg."""
    algorithm = jwt_algorithms.get_default_algorithms()[alg]
    if ALGORITHMS[alg][0] == "oct":
        jwk_dict = json.loads(algorithm.to_jwk(key))
    else:
        jwk_dict = json.loads(algorithm.to_jwk(key.public_key()))
        pad_ec_coordinates(jwk_dict)
    jwk_dict["kid"] = kid
    jwk_dict["alg"] = alg
    return jwk_dict


def python_jwks_file(alg):
    """A JWKS with two keys for alg (kids py-ALG-0, py-ALG-1); tokens use key 1 so that idctl
    has to pick the key by kid."""
    keys = [python_public_jwk(alg, python_key(alg, i), "py-%s-%d" % (alg, i)) for i in (0, 1)]
    return write_file({"keys": keys})


def pyjwt_sign(alg, claims, which=1, headers=None):
    kid = "py-%s-%d" % (alg, which)
    hdrs = {"kid": kid}
    if headers:
        hdrs.update(headers)
    return jwt.encode(claims, python_key(alg, which), algorithm=alg, headers=hdrs)


def idctl_verify(jwks_path, token, *extra, alg=None):
    args = ["jwt", "verify", "--jwks", jwks_path]
    if alg:
        args += ["--alg", alg]
    args += list(extra)
    args.append("-")
    return idctl(*args, stdin=token, check=False)


def flip_signature_byte(token):
    header, payload, sig = token.split(".")
    raw = bytearray(b64url_decode(sig))
    # Flip low bits of the last byte: for ECDSA that keeps s in range (so the failure is the
    # signature check, not a range check), for RSA the value stays below the modulus.
    raw[-1] ^= 0x01
    return ".".join([header, payload, b64url_encode(bytes(raw))])


def change_payload_byte(token, old, new):
    header, payload, sig = token.split(".")
    raw = b64url_decode(payload)
    assert old in raw, (old, raw)
    raw = raw.replace(old, new, 1)
    json.loads(raw)  # still valid JSON: only the signature is wrong
    return ".".join([header, b64url_encode(raw), sig])


# ---------------------------------------------------------------------------------------------
# tests


class InteropTest(unittest.TestCase):
    maxDiff = None

    def assertRejected(self, proc, reason):
        self.assertEqual(
            proc.returncode, 1, "want exit 1; stdout=%r stderr=%r" % (proc.stdout, proc.stderr)
        )
        self.assertEqual(proc.stdout, "", "nothing on stdout for a rejected token")
        self.assertIn("invalid token: %s:" % reason, proc.stderr)

    def assertAccepted(self, proc, claims):
        self.assertEqual(
            proc.returncode, 0, "want exit 0; stdout=%r stderr=%r" % (proc.stdout, proc.stderr)
        )
        self.assertEqual(json.loads(proc.stdout), claims)

    # ---- a. idctl -> PyJWT

    def check_idctl_to_pyjwt(self, alg):
        claims = base_claims()
        token = idctl_sign(alg, claims)

        header = jwt.get_unverified_header(token)
        self.assertEqual(header, {"alg": alg, "kid": "idctl-" + alg, "typ": "JWT"})

        public = idctl_public_jwk(alg)
        self.assertEqual(public.get("kid"), "idctl-" + alg)
        if ALGORITHMS[alg][0] != "oct":
            for private_member in ("d", "p", "q", "dp", "dq", "qi", "k"):
                self.assertNotIn(private_member, public)
            # The JWKS printed by `idctl keys jwks` holds the same public key.
            jwks = json.loads(idctl("keys", "jwks", idctl_key(alg)[0]).stdout)
            self.assertEqual(jwks, {"keys": [public]})
        pyjwk = jwt.PyJWK(public)
        self.assertEqual(pyjwk.key_id, "idctl-" + alg)

        decoded = jwt.decode(
            token, pyjwk.key, algorithms=[alg], audience=AUD, issuer=ISS,
            options={"require": ["exp", "iat", "iss", "aud", "sub"]},
        )
        self.assertEqual(decoded, claims)
        self.assertEqual(decoded["note"], "café ✓")

        # The algorithm class's own from_jwk gives the same verdict.
        key = jwt_algorithms.get_default_algorithms()[alg].from_jwk(json.dumps(public))
        complete = jwt.api_jwt.decode_complete(token, key, algorithms=[alg], audience=AUD, issuer=ISS)
        self.assertEqual(complete["header"]["typ"], "JWT")
        self.assertEqual(complete["header"]["kid"], "idctl-" + alg)
        self.assertEqual(complete["payload"], claims)

        # --typ changes the header typ; PyJWT sees it.
        token_at = idctl_sign(alg, claims, "--typ", "at+jwt")
        self.assertEqual(jwt.get_unverified_header(token_at)["typ"], "at+jwt")
        self.assertEqual(
            jwt.decode(token_at, pyjwk.key, algorithms=[alg], audience=AUD, issuer=ISS), claims
        )

    # ---- b. PyJWT -> idctl

    def check_pyjwt_to_idctl(self, alg):
        claims = base_claims()
        token = pyjwt_sign(alg, claims)
        self.assertEqual(
            jwt.get_unverified_header(token), {"alg": alg, "kid": "py-%s-1" % alg, "typ": "JWT"}
        )
        jwks = python_jwks_file(alg)
        proc = idctl_verify(jwks, token, "--iss", ISS, "--aud", AUD, alg=alg)
        self.assertAccepted(proc, claims)
        self.assertEqual(json.loads(proc.stdout)["note"], "café ✓")

        # Also with the token as a command-line argument instead of stdin, and with a single
        # JWK instead of a JWKS.
        single = write_file(python_public_jwk(alg, python_key(alg, 1), "py-%s-1" % alg))
        proc = idctl("jwt", "verify", "--jwks", single, "--alg", alg, "--iss", ISS, "--aud", AUD,
                     token, check=False)
        self.assertAccepted(proc, claims)

        # The token is signed by key 1; a JWKS with only key 0 under key 1's kid must fail.
        impostor = python_public_jwk(alg, python_key(alg, 0), "py-%s-1" % alg)
        proc = idctl_verify(write_file({"keys": [impostor]}), token, "--iss", ISS, "--aud", AUD,
                            alg=alg)
        self.assertRejected(proc, "signature_invalid")

    # ---- c. negative cross-checks

    def check_flipped_signature(self, alg):
        token = flip_signature_byte(pyjwt_sign(alg, base_claims()))
        proc = idctl_verify(python_jwks_file(alg), token, "--iss", ISS, "--aud", AUD, alg=alg)
        self.assertRejected(proc, "signature_invalid")

    def check_expired(self, alg):
        now = int(time.time())
        token = pyjwt_sign(alg, base_claims(iat=now - 7200, exp=now - 3600))
        proc = idctl_verify(python_jwks_file(alg), token, "--iss", ISS, "--aud", AUD, alg=alg)
        self.assertRejected(proc, "expired")
        # PyJWT agrees.
        with self.assertRaises(jwt.ExpiredSignatureError):
            jwt.decode(token, self.python_verify_key(alg), algorithms=[alg], audience=AUD)

    def check_wrong_audience(self, alg):
        token = pyjwt_sign(alg, base_claims(aud="some-other-service"))
        proc = idctl_verify(python_jwks_file(alg), token, "--iss", ISS, "--aud", AUD, alg=alg)
        self.assertRejected(proc, "audience_mismatch")
        # An audience array without ours is rejected too; one with ours is accepted.
        claims = base_claims(aud=["a", "b"])
        proc = idctl_verify(python_jwks_file(alg), pyjwt_sign(alg, claims), "--aud", AUD,
                            alg=alg)
        self.assertRejected(proc, "audience_mismatch")
        claims = base_claims(aud=["a", AUD])
        proc = idctl_verify(python_jwks_file(alg), pyjwt_sign(alg, claims), "--aud", AUD,
                            alg=alg)
        self.assertAccepted(proc, claims)

    def check_tampered_payload(self, alg):
        claims = base_claims()
        token = idctl_sign(alg, claims)
        tampered = change_payload_byte(token, b"user-1234", b"user-1235")
        key = jwt.PyJWK(idctl_public_jwk(alg)).key
        # Sanity: the untampered token verifies with the same key.
        jwt.decode(token, key, algorithms=[alg], audience=AUD, issuer=ISS)
        with self.assertRaises(jwt.InvalidSignatureError):
            jwt.decode(tampered, key, algorithms=[alg], audience=AUD, issuer=ISS)
        # idctl agrees about its own token.
        verify_key = idctl_key(alg)[0] if ALGORITHMS[alg][0] == "oct" else write_file(
            idctl("keys", "jwks", idctl_key(alg)[0]).stdout)
        self.assertAccepted(idctl_verify(verify_key, token, "--aud", AUD, alg=alg), claims)
        self.assertRejected(idctl_verify(verify_key, tampered, "--aud", AUD, alg=alg),
                            "signature_invalid")

    def python_verify_key(self, alg, which=1):
        key = python_key(alg, which)
        return key if ALGORITHMS[alg][0] == "oct" else key.public_key()

    # ---- alg "none"

    def test_pyjwt_alg_none_rejected(self):
        claims = base_claims()
        token = jwt.encode(claims, None, algorithm="none", headers={"kid": "py-ES256-1"})
        self.assertTrue(token.endswith("."), token)
        self.assertEqual(jwt.get_unverified_header(token)["alg"], "none")
        jwks = python_jwks_file("ES256")
        # Default allowlist, and even when the caller explicitly allows other algorithms.
        self.assertRejected(idctl_verify(jwks, token, "--iss", ISS, "--aud", AUD), "alg_none")
        self.assertRejected(idctl_verify(jwks, token, "--aud", AUD, alg="ES256"), "alg_none")
        # Hand-built variant without a kid, against an HMAC key.
        hand = "%s.%s." % (
            b64url_encode(json.dumps({"alg": "none", "typ": "JWT"}).encode()),
            b64url_encode(json.dumps(claims).encode()),
        )
        hs_jwks = write_file({"keys": [python_public_jwk("HS256", python_key("HS256"), "h")]})
        self.assertRejected(idctl_verify(hs_jwks, hand, "--aud", AUD, alg="HS256"), "alg_none")

    def test_idctl_default_allowlist(self):
        # Algorithms outside the default allowlist (ES256 ES384 RS256 PS256 EdDSA) are refused
        # unless --alg allows them.
        for alg in ALGORITHMS:
            with self.subTest(alg=alg):
                claims = base_claims()
                token = pyjwt_sign(alg, claims)
                proc = idctl_verify(python_jwks_file(alg), token, "--aud", AUD)
                if alg in ("ES256", "ES384", "RS256", "PS256", "EdDSA"):
                    self.assertAccepted(proc, claims)
                else:
                    self.assertRejected(proc, "alg_not_allowed")

    def test_pyjwt_short_ec_coordinates_rejected(self):
        # PyJWT 2.6's to_jwk leaves out leading zero bytes of EC coordinates; RFC 7518 requires
        # the full length and idctl enforces it. Half of all P-521 coordinates are short.
        for _ in range(64):
            key = ec.generate_private_key(ec.SECP521R1())
            raw = json.loads(jwt_algorithms.ECAlgorithm.to_jwk(key.public_key()))
            if len(b64url_decode(raw["x"])) < 66 or len(b64url_decode(raw["y"])) < 66:
                break
        else:
            self.fail("no P-521 key with a short coordinate in 64 tries")
        raw.update(kid="short", alg="ES512")
        claims = base_claims()
        token = jwt.encode(claims, key, algorithm="ES512", headers={"kid": "short"})
        proc = idctl_verify(write_file({"keys": [raw]}), token, "--aud", AUD, alg="ES512")
        self.assertEqual(proc.returncode, 1, proc.stderr)
        self.assertIn("jwk_invalid", proc.stderr)
        padded = pad_ec_coordinates(dict(raw))
        proc = idctl_verify(write_file({"keys": [padded]}), token, "--aud", AUD, alg="ES512")
        self.assertAccepted(proc, claims)

    # ---- d. PEM

    def check_pem_from_python(self, alg):
        """A PKCS#8 PEM private key from python cryptography -> idctl keys from-pem -> idctl
        signs -> PyJWT verifies with the python public key."""
        key = new_python_key(alg)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        pem_path = write_file(pem, ".pem")
        out = idctl("keys", "from-pem", "--alg", alg, "--kid", "pem-" + alg, pem_path).stdout
        jwk_dict = json.loads(out)
        self.assertEqual(jwk_dict["kid"], "pem-" + alg)
        self.assertEqual(jwk_dict.get("alg"), alg)
        # The JWK holds the same key (compare the public parts with PyJWT's to_jwk).
        expected = python_public_jwk(alg, key, "pem-" + alg)
        expected.pop("key_ops", None)  # PyJWT's RSA to_jwk adds key_ops ["verify"]
        public = json.loads(idctl("keys", "public", write_file(out)).stdout)
        self.assertEqual(public, expected)
        # And PyJWT reads idctl's private JWK as the same private key.
        private = jwt_algorithms.get_default_algorithms()[alg].from_jwk(out)
        self.assertEqual(
            private.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()),
            key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()),
        )

        claims = base_claims()
        token = idctl("jwt", "sign", "--key", write_file(out), "--claims",
                      json.dumps(claims)).stdout.strip()
        self.assertEqual(jwt.get_unverified_header(token)["kid"], "pem-" + alg)
        decoded = jwt.decode(token, key.public_key(), algorithms=[alg], audience=AUD, issuer=ISS)
        self.assertEqual(decoded, claims)

        # The public (SPKI) PEM is accepted as well.
        spki = key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        out = idctl("keys", "from-pem", "--alg", alg, "--kid", "pem-" + alg,
                    write_file(spki, ".pem")).stdout
        self.assertEqual(json.loads(out), expected)

    def test_pem_from_python_ES256_sec1(self):
        """The 'BEGIN EC PRIVATE KEY' (SEC 1) format that openssl ecparam writes."""
        key = ec.generate_private_key(ec.SECP256R1())
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
        self.assertIn(b"BEGIN EC PRIVATE KEY", pem)
        out = idctl("keys", "from-pem", "--alg", "ES256", "--kid", "sec1",
                    write_file(pem, ".pem")).stdout
        claims = base_claims()
        token = idctl("jwt", "sign", "--key", write_file(out), "--claims",
                      json.dumps(claims)).stdout.strip()
        self.assertEqual(
            jwt.decode(token, key.public_key(), algorithms=["ES256"], audience=AUD), claims)

    def check_pem_to_python(self, alg):
        """idctl keys to-pem -> python cryptography load_pem_public_key (and --private ->
        load_pem_private_key, which then signs a PyJWT token that idctl verifies)."""
        path, private_jwk = idctl_key(alg)
        public_pem = idctl("keys", "to-pem", path).stdout
        self.assertIn("-----BEGIN PUBLIC KEY-----", public_pem)
        public_key = serialization.load_pem_public_key(public_pem.encode("ascii"))
        # Same key as the JWK (PyJWT's reading of it).
        jwk_public = jwt.PyJWK(idctl_public_jwk(alg)).key
        der = lambda k: k.public_bytes(serialization.Encoding.DER,
                                       serialization.PublicFormat.SubjectPublicKeyInfo)
        self.assertEqual(der(public_key), der(jwk_public))
        family, param = ALGORITHMS[alg]
        if family == "RSA":
            self.assertIsInstance(public_key, rsa.RSAPublicKey)
            self.assertEqual(public_key.key_size, param)
        elif family == "EC":
            self.assertIsInstance(public_key.curve, param)
        else:
            self.assertIsInstance(public_key, ed25519.Ed25519PublicKey)

        # A token idctl signed verifies against the PEM public key.
        claims = base_claims()
        token = idctl_sign(alg, claims)
        self.assertEqual(jwt.decode(token, public_key, algorithms=[alg], audience=AUD), claims)

        private_pem = idctl("keys", "to-pem", "--private", path).stdout
        self.assertIn("-----BEGIN PRIVATE KEY-----", private_pem)
        private_key = serialization.load_pem_private_key(private_pem.encode("ascii"), None)
        self.assertEqual(der(private_key.public_key()), der(public_key))
        token = jwt.encode(claims, private_key, algorithm=alg, headers={"kid": "idctl-" + alg})
        jwks = write_file(idctl("keys", "jwks", path).stdout)
        self.assertAccepted(idctl_verify(jwks, token, "--aud", AUD, "--iss", ISS, alg=alg),
                            claims)

    def test_pem_to_pem_oct_refused(self):
        # An HMAC secret has no PEM form: usage error, nothing on stdout.
        path, _ = idctl_key("HS256")
        proc = idctl("keys", "to-pem", path, check=False)
        self.assertEqual(proc.returncode, 2, proc)
        self.assertEqual(proc.stdout, "")


def _add_generated_tests():
    per_alg = {
        "test_idctl_to_pyjwt_%s": ("check_idctl_to_pyjwt", ALGORITHMS),
        "test_pyjwt_to_idctl_%s": ("check_pyjwt_to_idctl", ALGORITHMS),
        "test_pyjwt_flipped_signature_%s": ("check_flipped_signature", ALGORITHMS),
        "test_pyjwt_expired_%s": ("check_expired", ALGORITHMS),
        "test_pyjwt_wrong_audience_%s": ("check_wrong_audience", ALGORITHMS),
        "test_idctl_tampered_payload_%s": ("check_tampered_payload", ALGORITHMS),
        "test_pem_from_python_%s": ("check_pem_from_python", ASYMMETRIC),
        "test_pem_to_python_%s": ("check_pem_to_python", ASYMMETRIC),
    }
    for name_pattern, (check, algs) in per_alg.items():
        for alg in algs:
            def test(self, check=check, alg=alg):
                getattr(self, check)(alg)
            test.__name__ = name_pattern % alg
            test.__doc__ = getattr(InteropTest, check).__doc__
            setattr(InteropTest, test.__name__, test)


_add_generated_tests()


# ---------------------------------------------------------------------------------------------
# JUnit XML


class JUnitResult(unittest.TextTestResult):
    """Records every test's outcome and duration for the JUnit XML report."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.records = []  # (test, status, message, details, seconds)
        self._start = {}

    def startTest(self, test):
        self._start[test.id()] = time.monotonic()
        super().startTest(test)

    def _record(self, test, status, message="", details=""):
        seconds = time.monotonic() - self._start.get(test.id(), time.monotonic())
        self.records.append((test, status, message, details, seconds))

    def addSuccess(self, test):
        super().addSuccess(test)
        self._record(test, "pass")

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._record(test, "failure", str(err[1]).splitlines()[0] if str(err[1]) else "",
                     self._exc_info_to_string(err, test))

    def addError(self, test, err):
        super().addError(test, err)
        self._record(test, "error", "%s: %s" % (err[0].__name__, err[1]),
                     self._exc_info_to_string(err, test))

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None:
            # Reported against the parent test (one <testcase> per test method).
            kind = "failure" if issubclass(err[0], test.failureException) else "error"
            self._record(test, kind, "%s: %s" % (subtest._subDescription(), err[1]),
                         self._exc_info_to_string(err, test))

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self._record(test, "skipped", reason)

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        self._record(test, "pass")

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self._record(test, "failure", "unexpected success")


def write_junit_xml(path, result, suite_name, total_seconds):
    # Merge records per test id: a test with failing subtests plus a final success (unittest
    # calls addSuccess only when no subtest failed) must appear once.
    order, merged = [], {}
    for test, status, message, details, seconds in result.records:
        tid = test.id()
        if tid not in merged:
            order.append(tid)
            merged[tid] = {"test": test, "status": status, "messages": [], "details": [],
                           "seconds": seconds}
        entry = merged[tid]
        entry["seconds"] = max(entry["seconds"], seconds)
        rank = {"pass": 0, "skipped": 1, "failure": 2, "error": 3}
        if rank[status] > rank[entry["status"]]:
            entry["status"] = status
        if status in ("failure", "error", "skipped"):
            entry["messages"].append(message)
            entry["details"].append(details)

    failures = sum(1 for t in order if merged[t]["status"] == "failure")
    errors = sum(1 for t in order if merged[t]["status"] == "error")
    skipped = sum(1 for t in order if merged[t]["status"] == "skipped")
    root = ET.Element("testsuites", tests=str(len(order)), failures=str(failures),
                      errors=str(errors), time="%.3f" % total_seconds)
    suite = ET.SubElement(root, "testsuite", name=suite_name, tests=str(len(order)),
                          failures=str(failures), errors=str(errors), skipped=str(skipped),
                          time="%.3f" % total_seconds)
    for tid in order:
        entry = merged[tid]
        test = entry["test"]
        classname, _, name = tid.rpartition(".")
        if classname.startswith("__main__."):
            classname = "pyjwt_interop_test." + classname[len("__main__."):]
        case = ET.SubElement(suite, "testcase", classname=classname, name=name,
                             time="%.3f" % entry["seconds"])
        if entry["status"] in ("failure", "error", "skipped"):
            elem = ET.SubElement(case, entry["status"], message="; ".join(entry["messages"]))
            elem.text = "\n".join(entry["details"])
    ET.ElementTree(root).write(path, encoding="UTF-8", xml_declaration=True)


def main():
    global IDCTL
    if len(sys.argv) < 2:
        sys.stderr.write("usage: %s IDCTL_BINARY [unittest args...]\n" % sys.argv[0])
        return 2
    IDCTL = os.path.abspath(sys.argv[1])
    if not os.access(IDCTL, os.X_OK):
        sys.stderr.write("not an executable: %s\n" % IDCTL)
        return 2
    argv = [sys.argv[0]] + sys.argv[2:]

    sys.stderr.write("PyJWT %s, idctl %s\n" % (jwt.__version__, IDCTL))
    start = time.monotonic()
    program = unittest.main(
        argv=argv,
        exit=False,
        testRunner=unittest.TextTestRunner(resultclass=JUnitResult, verbosity=2),
    )
    total = time.monotonic() - start
    result = program.result
    xml_path = os.environ.get("XML_OUTPUT_FILE")
    if xml_path:
        write_junit_xml(xml_path, result, "pyjwt_interop_test", total)
    if _WORKDIR is not None:
        _WORKDIR.cleanup()
    return 0 if result.wasSuccessful() and result.testsRun > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
