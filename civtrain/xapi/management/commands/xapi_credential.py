"""`civtrain xapi-credential create NAME --org CODE [--json]`: an activity provider's HTTP
Basic credential for /xapi/, bound to an org subtree; the secret is printed once (#13 item 2).
Also `list`, `rotate KEY` and `revoke KEY`."""

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from civtrain.accounts.api import SYSTEM
from civtrain.core.errors import ApplicationError
from civtrain.xapi import api


class Command(BaseCommand):
    help = "Create, list, rotate or revoke xAPI activity-provider credentials."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="a new credential; prints its secret once")
        create.add_argument("name")
        create.add_argument("--org", required=True, help="code of the org node it is bound to")
        create.add_argument("--json", action="store_true", help='print {"key": …, "secret": …}')
        sub.add_parser("list", help="every credential (never a secret)")
        for action in ("rotate", "revoke"):
            one = sub.add_parser(action)
            one.add_argument("key")
            one.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "create":
                issued = api.credential_create(
                    actor=SYSTEM, name=options["name"], org_code=options["org"]
                )
                self._print_issued(issued, options["json"])
            elif options["action"] == "list":
                for c in api.credential_list_all():
                    status = "revoked" if c.revoked_at else "active"
                    self.stdout.write(f"{c.key}\t{status}\t{c.org_path}\t{c.name}")
            elif options["action"] == "rotate":
                self._print_issued(
                    api.credential_rotate_by_key(actor=SYSTEM, key=options["key"]), options["json"]
                )
            else:
                api.credential_revoke_by_key(actor=SYSTEM, key=options["key"])
                self.stdout.write(f"revoked {options['key']}")
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc

    def _print_issued(self, issued: Any, as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps({"key": issued.credential.key, "secret": issued.secret}))
        else:
            self.stdout.write(
                f"key:    {issued.credential.key}\nsecret: {issued.secret}  (shown once)"
            )
