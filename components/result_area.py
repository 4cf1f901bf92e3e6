"""Generate's result area: the right-hand column, where the user looks after pressing Generate.

Before the first run it is an empty frame that says what will appear there and at what size; once jobs exist
it is the live job view (progress, elapsed against the provider's typical latency, Cancel), then the images.
"""

from __future__ import annotations

import streamlit as st

from easel.core.i18n import _, ngettext

from components.job_view import job_view

__all__ = ["result_area", "empty_frame", "FRAME_HEIGHT"]

FRAME_HEIGHT = 420      # px: about the size of the result that replaces it, so the page does not jump


def empty_frame(planned: str, *, n: int = 1, repeat: int = 1) -> None:
    """The placeholder before any run: where the image will be, and what size it will be."""
    count = n * repeat
    with st.container(border=True, height=FRAME_HEIGHT, horizontal_alignment="center", vertical_alignment="center",
                      key="gen.result.empty"):
        st.markdown("## :material/image:", width="content", text_alignment="center", anchors=False)
        # One image has words of its own: in Chinese and Korean a plural's one form would say "1 image".
        appears = _("Your image appears here") if count == 1 else ngettext(
            "Your {count} image appears here", "Your {count} images appear here", count).format(count=count)
        st.markdown(f"**{appears}**", width="content", text_alignment="center")
        # Our own words and figures, never user text: safe as markdown.
        st.caption(planned, width="content", text_alignment="center")


def result_area(job_ids: list[str] | None, *, planned: str, n: int, repeat: int, store, jobs_service) -> None:
    """The last run's jobs if there are any, else the empty frame."""
    if job_ids:
        job_view(job_ids, key="gen.jobs", store=store, jobs_service=jobs_service)
    else:
        empty_frame(planned, n=n, repeat=repeat)
