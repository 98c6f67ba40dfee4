"""Me: your story, talents, aspirations and offers (the *me* notes), and your 30-second narrative."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from assistant import (Profile, me_chunk_count, profile_offers, profile_path, read_profile, save_profile, split_lines,
                       suggest_narrative)
from ui.state import errors_shown, esc, flash, open_page, with_model


def profile_form(kb, settings, current: Profile) -> None:
    if current.origin:
        st.caption("Filled in from the profile you imported earlier. Saving keeps it here instead "
                   f"({esc(profile_path(settings))}) and replaces the imported copy.")
    with st.form("profile"):
        name = st.text_input("Your name (optional)", value=current.name if current.name != "My profile" else "",
                             key="me_name")
        story = st.text_area("Your story", value=current.story, height=170, key="me_story",
                             help="A few sentences: where you have been, what you do now, where you are heading.")
        left, right = st.columns(2)
        talents = left.text_area("Talents (one per line)", value="\n".join(current.talents), height=170,
                                 key="me_talents")
        aspirations = right.text_area("Aspirations (one per line)", value="\n".join(current.aspirations), height=170,
                                     key="me_aspirations")
        offers = st.text_area("What I can offer (one per line)", value="\n".join(current.offers), height=150,
                              key="me_offers",
                              help="Concrete things you can give: an article, a dataset, an intro, an hour of review. "
                                   "Briefs match these to what each contact needs.")
        submitted = st.form_submit_button("Save profile", type="primary", key="me_save")
    if submitted:
        updated = Profile(name=name.strip(), story=story.strip(), talents=split_lines(talents),
                          aspirations=split_lines(aspirations), offers=split_lines(offers),
                          narrative=current.narrative, origin=current.origin)
        with errors_shown(action="save profile") as g:
            result = save_profile(updated, kb, settings)
        if not g.failed:
            if result.ok:
                flash(f"Profile saved: {me_chunk_count(kb)} chunks about you in the knowledge base.")
                st.rerun()
            else:
                st.error(esc(result.message))


def offers_box(kb, settings, current: Profile) -> None:
    """Offers read from a profile written as prose, for the user to confirm or edit into the list briefs use."""
    if current.offers or not me_chunk_count(kb):
        return
    with errors_shown(action="read offers") as g:
        found = profile_offers(kb, settings)
    if g.failed:
        return
    st.subheader("What you can offer")
    if found.offers:
        st.caption("Your profile has no \u201cWhat I can offer\u201d list, so Rapport read these from what you wrote. "
                   "Confirm or edit them (one per line): briefs match them to what each contact works on.")
    else:
        st.caption("Your profile has no list of what you can offer, and none was found in its text. "
                   "Ask the model to look, or write them yourself (one per line).")
    if found.method != "model" and len(found.offers) < 2 and st.button("Look for offers with the model",
                                                                      key="find_offers"):
        ok, looked = with_model(settings, "find offers", "Reading your profile for what you can offer…",
                                lambda gen: profile_offers(kb, settings, gen))
        if ok:
            found = looked
            st.session_state["offers_text"] = "\n".join(found.texts)
    if "offers_text" not in st.session_state:
        st.session_state["offers_text"] = "\n".join(found.texts)
    st.text_area("Offers", key="offers_text", height=130, label_visibility="collapsed",
                 placeholder="Feedback on prototypes\nIntroductions to nurse educators")
    if st.button("Save offers", key="save_offers", type="primary"):
        # origin="": the imported profile stays a *me* note (its prose is more than the form holds)
        confirmed = replace(current, offers=split_lines(st.session_state.get("offers_text", "")), origin="")
        with errors_shown(action="save offers") as g:
            result = save_profile(confirmed, kb, settings)
        if not g.failed:
            if result.ok:
                st.session_state.pop("offers_text", None)
                flash(f"Saved {len(confirmed.offers)} offers to your profile; briefs use them from now on.")
                st.rerun()
            else:
                st.error(esc(result.message))


def narrative_box(kb, settings, current: Profile) -> None:
    st.subheader("Your 30-second narrative")
    st.caption("What you say when they ask \u201cSo, what do you do?\u201d. First person, plain, no ask. "
               "Once saved, briefs use it word for word and add one sentence for the person you are meeting.")
    if "narrative_text" not in st.session_state:
        st.session_state["narrative_text"] = current.narrative
    if st.button("Suggest one from my profile", key="suggest_narrative"):
        ok, text = with_model(settings, "suggest narrative", "Writing a suggestion from your profile…",
                              lambda gen: suggest_narrative(kb, settings, gen))
        if ok:
            st.session_state["narrative_text"] = text
    st.text_area("Narrative", key="narrative_text", height=130, label_visibility="collapsed",
                 placeholder="I spent eight years …")
    if st.button("Save narrative", key="save_narrative", type="primary"):
        current.narrative = " ".join(st.session_state.get("narrative_text", "").split())
        with errors_shown(action="save narrative") as g:
            result = save_profile(current, kb, settings)
        if not g.failed and result.ok:
            flash("Narrative saved with your profile.")
            st.rerun()


def main() -> None:
    opened = open_page("Me", read_profile)
    if opened is None:
        return
    settings, kb, current = opened
    st.caption("Briefs use this to tailor your story and to find what you could give. It stays on this computer.")
    profile_form(kb, settings, current)
    offers_box(kb, settings, current)
    st.divider()
    narrative_box(kb, settings, current)


main()
