"""The `civtrain` console script: Django's management commands plus the domain ones.

Domain commands are spelt with dashes (`civtrain import-roster`); Django's module names
use underscores, so a dashed first argument is translated before dispatch.
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv)
    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
