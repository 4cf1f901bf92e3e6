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


# --- the named user's daily budget, before anything is sent -----------------------------------------------------
ANA, BEN = "ana@example.com", "ben@example.com"


def _set_budget(person_id: str, amount: float) -> None:
    from easel.core.models import Money
    from easel.store import Store
    from easel.usage import person_budgets

    person_budgets.set_person_budget(Store(), person_id, Money(amount, "USD"))


def _job_count(env) -> int:
    from pathlib import Path

    with sqlite3.connect(Path(env["EASEL_DATA_DIR"]) / "easel.db") as db:
        return db.execute("SELECT count(*) FROM jobs").fetchone()[0]


def _refused(proc, message: str, *, error: str = "Error: ") -> None:
    assert (proc.returncode, proc.stdout) == (2, ""), (proc.returncode, proc.stdout, proc.stderr)
    assert proc.stderr == f"{error}{message} [person_daily_budget]\n"


def test_generate_over_the_named_users_daily_budget_is_refused_before_anything_is_sent(team_env, sim):
    env = {k: v for k, v in team_env.items() if k != "EASEL_USER"}
    _set_budget(ANA, 0.01)
    refused = easel(env, "--user", ANA, "generate", "--provider", "demo", "--prompt", "a fox", "--json")
    # The Generate page's words: a refused request is a button the page does not let her press, so it is never
    # logged (no job row) and the simulator hears nothing.
    _refused(refused, "Over your daily budget: this request (≈ USD 0.0423) would take your spend today from "
                      "USD 0.00 to USD 0.0423, over the USD 0.01 your admin set.")
    assert _job_count(env) == 0 and sim.requests("/images/") == []
    zh = easel({**env, "EASEL_LANG": "zh", "EASEL_USER": ANA}, "edit", "--provider", "demo", "--prompt", "狐狸",
               "--image", "data:image/png;base64," + _tiny_png())
    _refused(zh, "超出你的每日预算：此请求（≈ US$0.0422）会使你今天的花费从 US$0.00 增至 US$0.0422，超过管理员设置的 US$0.01。",
             error="错误：")
    assert _job_count(env) == 0
    # Ben has no budget, and the single user none at all: theirs go out.
    assert _owner(env, _generate(env, "ben's owl", "--user", BEN)) == BEN
    assert _owner(env, _generate(env, "the team's heron")) == ""


def _tiny_png() -> str:
    import base64
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (64, 64), "white").save(buf, "PNG")
    return base64.b64encode(buf.getvalue()).decode()


def test_compare_and_batch_weigh_every_column_and_row_against_the_named_users_budget(team_env, sim, tmp_path):
    env = {k: v for k, v in team_env.items() if k != "EASEL_USER"}
    _set_budget(ANA, 0.1)
    compared = easel(env, "--user", ANA, "compare", "--providers", "demo,demo:qcode", "--prompt", "a kite", "--json")
    _refused(compared, "Over your daily budget: this request (≈ USD 0.12) would take your spend today from "
                       "USD 0.00 to USD 0.12, over the USD 0.10 your admin set.")
    prompts = tmp_path / "prompts.txt"
    prompts.write_text("a fox\nan owl\na heron\n")
    batched = easel(env, "--user", ANA, "batch", str(prompts), "--json")
    _refused(batched, "Over your daily budget: this request (≈ USD 0.13) would take your spend today from "
                      "USD 0.00 to USD 0.13, over the USD 0.10 your admin set.")
    assert _job_count(env) == 0 and sim.requests("/images/") == []
    # Two rows fit under it; once they are spent, one more request does not.
    prompts.write_text("a fox\nan owl\n")
    sent = easel(env, "--user", ANA, "batch", str(prompts), "--json")
    assert sent.returncode == 0, sent.stderr
    assert [json.loads(line)["status"] for line in sent.stdout.splitlines()] == ["completed", "completed"]
    again = easel(env, "--user", ANA, "generate", "--provider", "demo", "--prompt", "one more")
    _refused(again, "Over your daily budget: this request (≈ USD 0.0423) would take your spend today from "
                    "USD 0.0845 to USD 0.13, over the USD 0.10 your admin set.")
    assert _job_count(env) == 2


# --- reading by id: another person's private job is not found, exactly as a made-up one --------------------------
def _not_found_alike(env, user: str, secret: str, made_up: str, *command: str) -> None:
    """`command` with `secret` (another person's id) fails exactly as with `made_up` (an id no row has)."""
    hidden = easel(env, "--user", user, *command, secret)
    missing = easel(env, "--user", user, *command, made_up)
    assert (hidden.returncode, hidden.stdout) == (missing.returncode, missing.stdout), (hidden, missing)
    assert hidden.returncode != 0 and hidden.stderr.startswith("Error: ")
    assert hidden.stderr.replace(secret, "<id>") == missing.stderr.replace(made_up, "<id>")
    assert secret not in hidden.stdout


def test_another_persons_private_job_and_link_read_as_missing_in_every_cli_command(team_env, sim):
    env = {k: v for k, v in team_env.items() if k != "EASEL_USER"}
    ana = _generate(env, "ana's fox", "--user", ANA)
    submitted = easel(env, "--user", ANA, "generate", "--provider", "gccai", "--prompt", "ana's kite", "--async",
                      "--json")
    assert submitted.returncode == 0, submitted.stderr
    task = one_json(submitted)
    ana_async, task_id = task["job_id"], task["task_id"]
    assert task_id and task["status"] == "pending"

    from easel.core import identity
    from easel.store import Store, share_links

    store = Store()
    [image] = store.list_images(job_id=ana)
    with identity.use_person(identity.person(ANA)):
        _token, link = share_links.create_link(store.for_viewer(identity.person(ANA)), [image.id], 3600,
                                               title="ana's link")

    made_up = "0123456789abcdef0123456789abcdef"
    for ref, fake in ((ana, made_up), (ana[:8], "01234567"), (task_id, "task-" + "0" * len(task_id))):
        _not_found_alike(env, BEN, ref, fake, "tasks", "show")
        _not_found_alike(env, BEN, ref, fake, "tasks", "show", "--json")
    _not_found_alike(env, BEN, ana_async, made_up, "tasks", "wait", "--timeout", "5")
    _not_found_alike(env, BEN, task_id, "task-" + "0" * len(task_id), "tasks", "wait", "--timeout", "5")
    _not_found_alike(env, BEN, link.id, "0" * len(link.id), "share", "revoke")
    # Ben's own lists hold none of it, and `tasks wait` without an id does not follow her task.
    listed = easel(env, "--user", BEN, "tasks", "list", "--json")
    assert listed.returncode == 0 and listed.stdout == ""
    links = easel(env, "--user", BEN, "share", "list", "--all")
    assert (links.returncode, links.stdout) == (0, "No share links.\n")
    waited = easel(env, "--user", BEN, "tasks", "wait", "--json")
    assert (waited.returncode, waited.stdout) == (0, "")
    assert easel(env, "--user", ANA, "share", "list").stdout.startswith(link.id)
    # The link is still live, and her own commands still read all of it.
    assert easel(env, "--user", ANA, "tasks", "show", ana).returncode == 0
    done = easel(env, "--user", ANA, "tasks", "wait", task_id, "--json", "--timeout", "60")
    assert done.returncode == 0, done.stderr
    assert one_json(done)["status"] == "completed"
    # Once she shares the job, Ben reads it too (and only that one).
    with identity.use_person(identity.person(ANA)):
        assert store.for_viewer(identity.person(ANA)).set_shared(ana_async, True)
    shown = easel(env, "--user", BEN, "tasks", "show", ana_async, "--json")
    assert shown.returncode == 0 and one_json(shown)["job_id"] == ana_async
    assert easel(env, "--user", BEN, "tasks", "show", ana).returncode == 2
