"""deploy/ describes the processes `rectiflow rehearse` runs: the same commands (ExecStart,
ExecStartPre) and every setting the rehearsal gives each kind of process."""

import re
from pathlib import Path

from processes.topology import BIN, Plan, processes

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
UNITS = {"prefect-api": "prefect-api@.service", "prefect-services": "prefect-services.service",
         "worker": "rectiflow-worker.service", "portal": "rectiflow-portal@.service"}


def unit_lines(name: str, key: str) -> list[str]:
    text = (DEPLOY / "systemd" / name).read_text()
    return [line.split("=", 1)[1] for line in text.splitlines() if line.startswith(f"{key}=")]


# A unit that hands Prefect a credential runs the command through `sh -c '… exec COMMAND'`
# (deploy/SECURITY.md 2.2): the command is what follows `exec`.
CREDENTIAL_WRAPPER = re.compile(r"""^/bin/sh -c '(?:[A-Z_]+="\$\(cat "\$CREDENTIALS_DIRECTORY/[a-z_]+"\)" )+"""
                                r"""exec (.*)'$""")


def normal(command: list[str] | str, *, port: str = "", name: str = "") -> str:
    text = command if isinstance(command, str) else " ".join(command)
    wrapped = CREDENTIAL_WRAPPER.match(text)
    text = wrapped.group(1) if wrapped else text
    text = text.replace(f"{BIN}/", "").replace("/opt/rectiflow/.venv/bin/", "")
    text = text.replace("0.0.0.0", "127.0.0.1").replace("%i", port).replace("%H", name)
    return text


def env_names(path: Path) -> set[str]:
    return {m.group(1) for m in re.finditer(r"^([A-Z_]+)=", path.read_text(), re.M)}


def test_every_process_kind_has_its_unit_with_the_same_commands(tmp_path):
    plan = Plan(data_dir=tmp_path)
    for p in processes(plan):
        kind = re.sub(r"-\d+$", "", p.name)
        unit = UNITS[kind]
        port = p.argv[p.argv.index("--port") + 1] if "--port" in p.argv else ""
        assert normal(unit_lines(unit, "ExecStart")[0], port=port, name=p.name) == normal(p.argv), unit
        if p.before:
            assert [normal(c) for c in unit_lines(unit, "ExecStartPre")] == [normal(p.before)], unit
    migrate = [normal(c) for c in unit_lines("prefect-migrate.service", "ExecStart")]
    assert migrate == ["prefect server database upgrade -y", "rectiflow db upgrade"]


def test_the_settings_files_name_every_setting_the_rehearsal_gives(tmp_path):
    plan = Plan(data_dir=tmp_path)
    base = set(plan.base_env())
    assert set(plan.server_env("x")) - base <= env_names(DEPLOY / "prefect-server.env")
    assert set(plan.client_env("x")) - base <= env_names(DEPLOY / "rectiflow.env")
