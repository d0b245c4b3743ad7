"""How a one-time password issued by HR is stored (#11 item 1, ADR 0015)."""

from django.contrib.auth.hashers import PBKDF2PasswordHasher


class IssuedPasswordHasher(PBKDF2PasswordHasher):
    """PBKDF2-SHA256 with few rounds, for passwords the platform drew itself (`secrets`,
    about 68 bits) and only until their first login. Argon2 took 1.5 s per password on our
    two cores at load 20 (this one 4 ms): minutes for a unit issued in one request.
    Stretching protects guessable passwords; a 68-bit random one needs none. Never the
    preferred hasher: the first login re-hashes the password with Argon2 (Django upgrades a
    hash made by any hasher but the first), and its holder replaces it at once anyway."""

    algorithm = "pbkdf2_sha256_issued"
    iterations = 1_000
