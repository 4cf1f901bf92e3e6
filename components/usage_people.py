"""The Usage page in team mode: whose usage it shows, the admin's table per person and provider, and the admin's
daily budgets per person.

Who sees what (issue 20): the single user (no sign-in) sees the whole log exactly as before, through the rollups.
A signed-in member sees her own requests. An admin sees a view switch: her own usage, the Team (everyone, through
the rollups), or one person; the Team view adds a People tab with the table per person × provider and the budgets.
A person's view reads her rows through easel.usage.scope. Other people's prompts, images and comparison ids are
not shown in the request table (admins read the same jobs and images as members: usage numbers are what the Team
view adds).
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from easel.core import identity
from easel.core.i18n import N_, _
from easel.core.models import Money
from easel.usage import people, person_budgets
from easel.usage.currency import CURRENCIES, Rates
from easel.usage.filters import Filters

from components import md_escape
from components.money_view import breakdown, money

__all__ = ["View", "current_view", "view_switch", "render_people", "hide_private", "VIEW_KEY", "ME", "TEAM"]

VIEW_KEY = "easel.usage.view"
RANGE_KEY = "easel.usage.range"            # components/usage_panels.filter_bar's date range
ME, TEAM = "me", "team"
_K = "easel.usage.people."

VIEW_LABELS = {ME: N_("My usage"), TEAM: N_("Team")}


@dataclass(frozen=True)
class View:
    """Whose usage the page shows: `owners` None is everyone (the rollups); else those people's rows."""

    who: identity.Person
    kind: str                       # "single" | ME | TEAM | "person"
    owners: tuple[str, ...] | None = None

    @property
    def team_mode(self) -> bool:
        return not self.who.single

    @property
    def shows_people(self) -> bool:
        """Whether rows of more than one person appear (the request table then names who made each)."""
        return self.team_mode and (self.owners is None or self.owners != (self.who.id,))

    def reader(self, store, filters: Filters | None = None, *, now=None, reuse=None):
        """The store the usage functions read: the store itself for everyone, else a person's scope from the first
        day these filters need (its rollups are built once, on first use: one reader serves the whole run).
        `reuse`: a reader made earlier in the run, kept when it already covers these filters."""
        if self.owners is None:
            return store
        if filters is None:
            return people.scope_for(store, self.owners)
        from easel import usage
        from easel.usage.days import day_offset, day_start_ts

        f = filters.resolved(store, now)
        earliest = usage.earliest_day(store, f, now)
        since = getattr(reuse, "since", None)
        if reuse is not None and (since is None or since <= day_start_ts(earliest, day_offset(store))):
            return reuse
        return people.scope_for(store, self.owners, f, earliest=earliest)


def picked_range() -> Filters:
    """The date range the page's date widget holds as this run starts (the filter bar reads the same value), so a
    person's reader can be made before the filter bar draws: the bar's own lists then come from it too."""
    picked = st.session_state.get(RANGE_KEY)
    if isinstance(picked, (tuple, list)) and picked:
        return Filters(picked[0], picked[-1])
    return Filters()


def current_view(store) -> View:
    """The view this run shows: from the switch's last value for an admin (the switch itself is drawn by
    `view_switch`, once the page has its place), else the person's own."""
    who = identity.current()
    if who.single:
        return View(who, "single")
    if not who.admin:
        return View(who, ME, (who.id,))
    picked = st.session_state.get(VIEW_KEY, ME)
    if picked == TEAM:
        return View(who, TEAM)
    if picked == ME or picked is None:
        return View(who, ME, (who.id,))
    return View(who, "person", (picked,))


def view_switch(store, view: View) -> None:
    """A member: a line saying whose usage this is. An admin: the switch (My usage / Team / one person)."""
    if not view.team_mode:
        return
    if not view.who.admin:
        st.caption(":material/person: " + _("Your usage: only the requests you made."))
        return
    others = [p for p in people.people(store) if p != view.who.id]
    options = [ME, TEAM, *others]
    if st.session_state.get(VIEW_KEY) not in options:
        st.session_state[VIEW_KEY] = ME
    with st.container(horizontal=True, vertical_alignment="center", gap="small", key="easel-usage-view"):
        st.selectbox(_("Whose usage"), options, key=VIEW_KEY, width=300, label_visibility="collapsed",
                     format_func=lambda v: _(VIEW_LABELS[v]) if v in VIEW_LABELS else people.person_label(v))
        if view.kind == TEAM:
            note = _("Everyone's requests. The People tab splits them by person and provider and sets daily budgets.")
        elif view.kind == ME:
            note = _("Only the requests you made.")
        else:
            note = _("Only the requests of the person picked.")
        st.caption(note, width="content")


def private_rows(frame, view: View) -> list[bool]:
    """Which rows of a request page are another person's private work (identity.visible_sql's rule)."""
    if not view.shows_people or "owner" not in frame:
        return [False] * len(frame)
    return [not (o == view.who.id or o == "" or bool(s)) for o, s in zip(frame["owner"], frame["shared"])]


def hide_private(frame, view: View):
    """The request page with the prompt, thumbnail and comparison of each row the viewer may not read blanked (an
    admin's Team view lists everyone's requests, but not their private work)."""
    if not view.shows_people or "owner" not in frame:
        return frame
    out = frame.copy()
    hidden = private_rows(out, view)
    for col, blank in (("prompt", _("(private)")), ("thumbnail", ""), ("comparison_id", None)):
        if col in out:
            out[col] = [blank if h else v for v, h in zip(out[col].astype(object), hidden)]
    out["owner"] = [people.person_label(o) for o in out["owner"]]
    return out


def _budget_text(budget: Money | None) -> str:
    return money(budget.amount or 0.0, budget.currency) if budget is not None else "—"


def people_frame(rows: list[people.PersonUsage], budgets: dict[str, Money]):
    import pandas as pd

    return pd.DataFrame([{"person": people.person_label(r.owner), "provider": r.provider, "requests": r.requests,
                          "images": r.images, "spend": r.spend, "native": breakdown(r.amounts), "errors": r.errors,
                          "budget": _budget_text(budgets.get(r.owner))} for r in rows],
                        columns=["person", "provider", "requests", "images", "spend", "native", "errors", "budget"])


def render_people(store, filters: Filters, currency: str, rates: Rates) -> list[people.PersonUsage]:
    """The admin's Team view: per person × provider in the range, then each person's budget today and the form
    that sets it. Returns the rows shown (for tests)."""
    rows = people.per_person(store, filters, currency=currency, rates=rates)
    budgets = person_budgets.person_budgets(store)
    unit = _("credits") if currency == "credits" else currency
    st.dataframe(people_frame(rows, budgets), hide_index=True, key=_K + "table", column_config={
        "person": st.column_config.TextColumn(_("Person")),
        "provider": st.column_config.TextColumn(_("Provider")),
        "requests": st.column_config.NumberColumn(_("Requests"), format="localized"),
        "images": st.column_config.NumberColumn(_("Images"), format="localized"),
        "spend": st.column_config.NumberColumn(_("Spend ({currency})").format(currency=unit),
                                               format="%.0f" if currency == "credits" else "%.2f"),
        "native": st.column_config.TextColumn(_("Per currency")),
        "errors": st.column_config.NumberColumn(_("Errors"), format="localized"),
        "budget": st.column_config.TextColumn(_("Daily budget"))})
    if not rows:
        st.caption(_("No requests in this range."))
    st.caption(_("Requests without a person were made by the single user, or before sign-in was turned on."))
    left, right = st.columns(2, gap="large")
    with left:
        st.markdown("**" + _("Daily budgets per person") + "**")
        _budget_bars(store, budgets, rates)
    with right:
        _budget_form(store, budgets, rows, currency)
    return rows


def _budget_bars(store, budgets: dict[str, Money], rates: Rates) -> None:
    if not budgets:
        st.caption(_("No person has a daily budget."))
        return
    for pid in budgets:
        s = person_budgets.person_budget_status(store, pid, rates=rates)
        if s is None:
            continue
        st.progress(min(1.0, max(0.0, s.fraction)), text=_bar_text(_("{person}: {spent} of {budget} today"), pid, s))


def _bar_text(template: str, person_id: str, s) -> str:
    """A budget bar's markdown: the e-mail as code, so it is not made a mail link; the rest escaped."""
    text = md_escape(template.format(person="\x00", spent=money(s.spent, s.budget.currency),
                                     budget=money(s.budget.amount or 0, s.budget.currency)))
    return text.replace("\x00", "`" + person_id.replace("`", "") + "`")


def _budget_form(store, budgets: dict[str, Money], rows, currency: str) -> None:
    known = sorted({r.owner for r in rows if r.owner} | set(budgets) | set(people.people(store)) - {""})
    with st.form(_K + "budget_form", border=True):
        st.markdown("**" + _("Set a daily budget") + "**")
        pid = st.selectbox(_("Person"), known, key=_K + "person", accept_new_options=True, index=None,
                           placeholder=_("Pick or type an e-mail"))
        c1, c2 = st.columns([2, 1])
        amount = c1.number_input(_("Amount per day (0 = no budget)"), min_value=0.0, step=0.5, key=_K + "amount")
        unit = c2.selectbox(_("Unit"), CURRENCIES, key=_K + "unit", index=CURRENCIES.index(currency),
                            format_func=lambda c: _("credits") if c == "credits" else c)
        st.caption(_("Counts today's spend across every provider, converted at the rate on the Budgets & quota "
                     "tab; a request that would go over it is refused before it is sent."))
        if st.form_submit_button(_("Save budget"), icon=":material/savings:"):
            person_id = (pid or "").strip().lower()
            if not person_id:
                st.error(_("Pick a person first."))
                return
            person_budgets.set_person_budget(store, person_id, Money(float(amount), unit) if amount else None)
            st.toast(_("Daily budget of {person}: {budget}").format(
                person=person_id, budget=money(float(amount), unit)) if amount else
                _("Daily budget of {person} cleared").format(person=person_id))
            st.rerun()


def render_my_budget(store, view: View, rates: Rates) -> None:
    """A signed-in person's own daily budget, on the Budgets & quota tab."""
    if not view.team_mode or view.owners is None or len(view.owners) != 1:
        return
    s = person_budgets.person_budget_status(store, view.owners[0], rates=rates)
    if s is None:
        if view.owners == (view.who.id,):
            st.caption(_("You have no daily budget."))
        return
    label = _("Your daily budget: {spent} of {budget} spent today") if view.owners == (view.who.id,) else \
        _("{person}: {spent} of {budget} today")
    st.progress(min(1.0, max(0.0, s.fraction)), text=_bar_text(label, view.owners[0], s))

