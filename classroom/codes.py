"""Join codes and teacher secrets: what a student types and what only the teacher holds."""
from __future__ import annotations

import hashlib
import hmac
import secrets

# No look-alikes: 0/O/Q/D, 1/I/L/7, 2/Z, 5/S, 8/B, 6/G and U/V are left out, so a code read off a
# projector from the back row is typed right. 18 symbols, 6 of them: 34 million codes.
ALPHABET = "ACEFHJKMNPRTWXY349"
LENGTH = 6
SECRET_BYTES = 24  # 192 random bits, above the 128 a teacher's rights need


class BadCode(ValueError):
    """A join code that cannot be one; the message says what a code looks like."""


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise(raw: object) -> str:
    """The code a student meant: case, spaces and dashes forgiven; anything else is a clear error."""
    if not isinstance(raw, str):
        raise BadCode("A class code is text.")
    code = raw.strip().upper().replace(" ", "").replace("-", "")
    if len(code) != LENGTH or any(c not in ALPHABET for c in code):
        # the message does not repeat what was typed: a student's text is never shown back
        raise BadCode(f"That is not a class code: a code is {LENGTH} characters from "
                      f"{' '.join(ALPHABET)}, as the teacher's screen shows it.")
    return code


def new_secret() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


def digest(secret: str) -> str:
    """What the database keeps: a leaked table gives no teacher rights. The secret is 192 random
    bits, so a plain SHA-256 needs no slow password hash to resist guessing."""
    return hashlib.sha256(secret.encode("utf-8", "replace")).hexdigest()


def matches(secret: object, stored: str) -> bool:
    """Constant-time comparison, so response times leak nothing about the stored digest."""
    if not isinstance(secret, str) or not secret:
        return False
    return hmac.compare_digest(digest(secret), stored)
