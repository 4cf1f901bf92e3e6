"""`easel --user EMAIL …` and EASEL_USER: the CLI acts as a named local user, as a subprocess runs it, with the
real SQLite file read back. Without either it is the single user, as before workspaces existed."""

from __future__ import annotations

import json
import sqlite3

import pytest

from test_cli import easel, env, one_json  # noqa: F401 - env is a fixture


@pytest.fixture
def team_env(env, tmp_path):
    secrets = tmp_path / "team-secrets.toml"
    secrets.write_text('[team]\nadmins = ["boss@example.com"]\n')
    return {**env, "EASEL_SECRETS_FILE": str(secrets)}


def _owner(env, job_id: str) -> str:
    from pathlib import Path

    with sqlite3.connect(Path(env["EASEL_DATA_DIR"]) / "easel.db") as db:
        return db.execute("SELECT owner FROM jobs WHERE id = ?", (job_id,)).fetchone()[0]


def _generate(env, prompt: str, *user_args: str) -> str:
    proc = easel(env, *user_args, "generate", "--provider", "demo", "--prompt", prompt, "--json")
    assert proc.returncode == 0, proc.stderr
    return one_json(proc)["job_id"]


def test_a_job_made_with_user_is_owned_by_that_person(team_env):
    env = {k: v for k, v in team_env.items() if k != "EASEL_USER"}
    ana = _generate(env, "ana's fox", "--user", "Ana")
    ben = _generate({**env, "EASEL_USER": "Ben@Example.com"}, "ben's owl")
    single = _generate(env, "the team's heron")
    assert [_owner(env, j) for j in (ana, ben, single)] == ["ana", "ben@example.com", ""]
    # --user wins over EASEL_USER, as a flag over the environment.
    both = _generate({**env, "EASEL_USER": "ben@example.com"}, "whose cat", "--user", "ana")
    assert _owner(env, both) == "ana"


def test_listing_jobs_shows_a_person_their_own_and_the_teams_not_anothers(team_env):
    env = {k: v for k, v in team_env.items() if k != "EASEL_USER"}
    ana = _generate(env, "ana's fox", "--user", "ana@example.com")
    ben = _generate(env, "ben's owl", "--user", "ben@example.com")
    single = _generate(env, "the team's heron")

    def listed(*user_args: str) -> set[str]:
        proc = easel(env, *user_args, "tasks", "list", "--json")
        assert proc.returncode == 0, proc.stderr
        return {json.loads(line)["job_id"] for line in proc.stdout.splitlines()}

    assert listed("--user", "ana@example.com") == {ana, single}
    assert listed("--user", "ben@example.com") == {ben, single}
    assert listed() == {ana, ben, single}
    # Another person's private job reads as missing, the same message as an id that never existed.
    shown = easel(env, "--user", "ben@example.com", "tasks", "show", ana)
    assert shown.returncode == 2 and shown.stderr.startswith(f"Error: No job or provider task '{ana}'")
    assert easel(env, "--user", "ana@example.com", "tasks", "show", ana).returncode == 0


def test_whoami_says_who_the_cli_acts_as(team_env):
    env = {k: v for k, v in team_env.items() if k != "EASEL_USER"}
    single = easel(env, "whoami")
    assert single.returncode == 0
    assert single.stdout == "The single user (no --user or EASEL_USER): every job, image and usage row.\n"
    assert json.loads(easel(env, "whoami", "--json").stdout) == {"user": None, "admin": False}
    assert json.loads(easel(env, "--user", "Ana@Example.com", "whoami", "--json").stdout) == {
        "user": "ana@example.com", "admin": False}
    admin = easel({**env, "EASEL_USER": "BOSS@example.com"}, "whoami")
    assert admin.stdout.startswith("boss@example.com, an admin (listed in [team] admins)")
    member = easel(env, "--user", "ana@example.com", "whoami")
    assert member.stdout == "ana@example.com: their own and the team's shared jobs, images and usage.\n"
