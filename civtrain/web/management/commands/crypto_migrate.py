"""`civtrain crypto-migrate`: move a database to the configured crypto suite
(CIVTRAIN_CRYPTO_SUITE, #17 item 5; core.crypto) and to the current keys after a rotation
(CIVTRAIN_DATA_KEY / CIVTRAIN_HASH_KEY, the old ones in …_PREVIOUS; ADR 0003, "Key rotation").

1. Re-encrypts every ID and phone number (people, teachers) and recomputes the ID lookup
   hashes. Until this step ends, a search by ID number finds only the people already moved.
2. Re-chains the credit ledger under the suite's hash (SHA-256 or SM3): chain by chain, only
   chains that verify, each batch signed in a checkpoint of its own transaction
   (credits.api.ledger_rechain). A chain that does not verify is left alone and named.
3. Re-chains the audit trail's rows still online and re-signs the seals
   (core.audit_chain.audit_rechain); it stops at a row that does not verify and names it.

Every step goes batch by batch and is idempotent: stop it and run it again (`--only` runs one
step). Switch the setting first, then run this before users come back. Lives in the site
shell because it spans the people, faculty, credits and core apps. The signing key follows
the suite too (core.signing: Ed25519, or SM2 when CIVTRAIN_SM2_SIGNING_KEY is set under gm):
checkpoints and seals written by steps 2 and 3 are signed with it.

xAPI credentials are stored as keyed hashes of secrets the platform does not keep: they are
still accepted under the other suite's hash and the previous hash keys; re-issue them
(`civtrain xapi-credential`) before a previous hash key is dropped.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from civtrain.accounts.api import SYSTEM
from civtrain.core import crypto
from civtrain.core.audit import RequestContext, request_context
from civtrain.core.audit_chain import audit_rechain
from civtrain.credits.api import ledger_rechain
from civtrain.faculty.api import teacher_crypto_migrate
from civtrain.people.api import person_crypto_migrate

STEPS = ("fields", "ledger", "audit")


class Command(BaseCommand):
    help = (
        "Re-encrypt personal data, recompute lookup hashes and re-chain the ledger and the "
        "audit trail under CIVTRAIN_CRYPTO_SUITE and the current keys."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch", type=int, default=1000)
        parser.add_argument("--only", choices=STEPS, help="run one step only")

    def handle(self, *args: Any, **options: Any) -> None:
        steps = [options["only"]] if options["only"] else list(STEPS)
        batch = options["batch"]
        ctx = RequestContext(actor_id=None, actor_label="crypto-migrate（命令行）", ip_address=None)
        failures: list[str] = []
        with request_context(ctx):
            if "fields" in steps:
                people = person_crypto_migrate(actor=SYSTEM, batch=batch)
                teachers = teacher_crypto_migrate(actor=SYSTEM)
                label = {"standard": "AES-256-GCM / HMAC-SHA-256", "gm": "国密 SM4-GCM / HMAC-SM3"}
                self.stdout.write(
                    f"已按 {label[crypto.suite()]}（数据密钥 {crypto.data_key_id()}）重新加密："
                    f"人员 {people} 人，教师 {teachers} 人"
                )
            if "ledger" in steps:
                ledger = ledger_rechain(actor=SYSTEM, batch=max(1, batch // 2))
                self.stdout.write(
                    f"账本哈希链已按 {ledger.algorithm.upper()} 重新计算：{ledger.chains} 条链，"
                    f"{ledger.entries} 条记录，签署检查点 {ledger.checkpoints} 个"
                )
                failures += [p.message for p in ledger.refused]
            if "audit" in steps:
                audit = audit_rechain(batch=batch)
                self.stdout.write(
                    f"审计链已按 {audit.algorithm.upper()} 重新计算：{audit.rows} 条记录，"
                    f"重新签署封存 {audit.seals} 次"
                )
                failures += [p.reason for p in audit.problems]
        if failures:
            raise CommandError("以下部分未重新计算（校验未通过）：" + "；".join(failures))
