"""The `rectiflow` command: the people's CLI (app/) with the commands that run the system."""

from app.cli import app
from app.cli import main as run
from processes import commands

for name, fn in (("up", commands.up), ("rehearse", commands.rehearse), ("check", commands.check_cmd),
                 ("portal", commands.portal)):
    app.command(name)(fn)


def main() -> None:
    run()


if __name__ == "__main__":
    main()
