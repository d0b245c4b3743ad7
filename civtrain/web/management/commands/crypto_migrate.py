"""`civtrain crypto-migrate`: move the stored personal data to the configured crypto suite
(CIVTRAIN_CRYPTO_SUITE, #17 item 5; core.crypto).

Re-encrypts every ID and phone number (people, teachers) and recomputes the ID lookup hashes.
Batch by batch and idempotent: stop it and run it again. Switch the setting first, then run
this before users come back: until it ends, a search by ID number finds only the people
already moved. Lives in the site shell because it spans the people and faculty apps.

Not moved by this command (issue #17 item 5, still open): the credit ledger's hash chain and
the audit chain stay SHA-256, and signatures stay Ed25519 — see docs/security.md. xAPI
credentials are stored as keyed hashes of secrets the platform does not keep: re-issue them
(`civtrain xapi-credential`) after switching.
"""

from typing import Any

from django.core.management.base import BaseCommand

from civtrain.accounts.api import SYSTEM
from civtrain.core import crypto
from civtrain.core.audit import RequestContext, request_context
from civtrain.faculty.api import teacher_crypto_migrate
from civtrain.people.api import person_crypto_migrate


class Command(BaseCommand):
    help = "Re-encrypt personal data and recompute lookup hashes under CIVTRAIN_CRYPTO_SUITE."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch", type=int, default=1000)

    def handle(self, *args: Any, **options: Any) -> None:
        ctx = RequestContext(actor_id=None, actor_label="crypto-migrate（命令行）", ip_address=None)
        with request_context(ctx):
            people = person_crypto_migrate(actor=SYSTEM, batch=options["batch"])
            teachers = teacher_crypto_migrate(actor=SYSTEM)
        label = {"standard": "AES-256-GCM / HMAC-SHA-256", "gm": "国密 SM4-GCM / HMAC-SM3"}
        self.stdout.write(
            f"已按 {label[crypto.suite()]} 重新加密：人员 {people} 人，教师 {teachers} 人"
        )
