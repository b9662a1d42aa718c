"""CMS pages shown by the front office: slug and locale rules, and the operators' use cases.

A page is identified publicly by ``(slug, locale)``, unique together (409 otherwise).
Slugs are lowercase letters, digits and single hyphens; locales are BCP 47 language
tags of a language and an optional region (``en``, ``fr``, ``fr-FR``), stored in
their canonical case. The storefront asks for a slug in a locale and gets the first
*published* page of: the exact locale, its language alone, then ``DEFAULT_LOCALE``.
Bodies are Markdown; the sanitised HTML is rendered when a page is written.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from chassis.errors import Problem
from catalog import markdown
from catalog.models import Page
from catalog.models.base import new_id, now

DEFAULT_LOCALE = "en"
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
LOCALE_PATTERN = re.compile(r"^([A-Za-z]{2,3})(?:[-_]([A-Za-z]{2}|[0-9]{3}))?$")
EDITABLE = ("slug", "locale", "title", "body", "published")


class InvalidLocale(ValueError):
    pass


def normalise_locale(locale: str) -> str:
    """``fr_fr`` -> ``fr-FR``; InvalidLocale for anything but a language and an optional region."""
    match = LOCALE_PATTERN.fullmatch(locale or "")
    if not match:
        raise InvalidLocale(f"{locale!r} is not a locale like 'en' or 'fr-FR'")
    language, region = match.groups()
    return language.lower() + (f"-{region.upper()}" if region else "")


def is_valid_slug(slug: str) -> bool:
    return bool(SLUG_PATTERN.fullmatch(slug or "")) and len(slug) <= 200


def fallback_locales(locale: str) -> list[str]:
    """The locales tried, in order, for a storefront asking for ``locale``."""
    chain = [locale, locale.split("-")[0], DEFAULT_LOCALE]
    return list(dict.fromkeys(chain))


def published_page(session: Session, slug: str, locale: str) -> Page | None:
    """The page the storefront shows for ``slug`` in ``locale`` (with fallback), if any is published."""
    chain = fallback_locales(locale)
    found = {page.locale: page for page in session.scalars(
        select(Page).where(Page.slug == slug, Page.locale.in_(chain), Page.published.is_(True)))}
    return next((found[candidate] for candidate in chain if candidate in found), None)


@dataclass(frozen=True)
class PageFields:
    slug: str
    locale: str
    title: str
    body: str = ""
    published: bool = False


def create_page(uow, fields: PageFields) -> str:
    """Add a page; 409 if its slug is taken in its locale."""
    with uow:
        created_at = now()
        page = Page(id=new_id(), slug=fields.slug, locale=fields.locale, title=fields.title, body=fields.body,
                    body_html=markdown.render(fields.body), published=fields.published, created_at=created_at,
                    updated_at=created_at)
        _refuse_duplicate(uow.session, page.slug, page.locale, page.id)
        uow.session.add(page)
        _flush(uow.session, page)
        uow.audit("page.created", "page", page.id, after=_snapshot(page))
        uow.commit()
        return page.id


def update_page(uow, page_id: str, changes: dict) -> None:
    """Change some of a page's fields (``EDITABLE``); re-renders the body; 409 on a taken slug."""
    with uow:
        page = page_by_id(uow.session, page_id)
        before = _snapshot(page)
        for name in EDITABLE:
            if name in changes:
                setattr(page, name, changes[name])
        if "body" in changes:
            page.body_html = markdown.render(page.body)
        if {"slug", "locale"} & set(changes):
            _refuse_duplicate(uow.session, page.slug, page.locale, page.id)
        page.updated_at = now()
        _flush(uow.session, page)
        uow.audit("page.updated", "page", page.id, before=before, after=_snapshot(page))
        uow.commit()


def delete_page(uow, page_id: str) -> None:
    with uow:
        page = page_by_id(uow.session, page_id)
        uow.audit("page.deleted", "page", page.id, before=_snapshot(page))
        uow.session.delete(page)
        uow.commit()


def page_by_id(session: Session, page_id: str) -> Page:
    page = session.get(Page, page_id)
    if page is None:
        raise Problem(404, "not-found", f"no page {page_id}")
    return page


def _duplicate(slug: str, locale: str) -> Problem:
    return Problem(409, "page-slug-taken", f"a page '{slug}' already exists in locale {locale}",
                   conflict={"slug": slug, "locale": locale})


def _refuse_duplicate(session: Session, slug: str, locale: str, page_id: str) -> None:
    with session.no_autoflush:  # the page's own pending change would hit the constraint first
        taken = session.scalar(select(Page.id).where(Page.slug == slug, Page.locale == locale, Page.id != page_id))
    if taken:
        raise _duplicate(slug, locale)


def _flush(session: Session, page: Page) -> None:
    """The unique constraint settles a race between two writers the check above let through."""
    try:
        session.flush()
    except IntegrityError:
        raise _duplicate(page.slug, page.locale) from None


def _snapshot(page: Page) -> dict:
    return {"slug": page.slug, "locale": page.locale, "title": page.title, "published": page.published,
            "body_chars": len(page.body or "")}
