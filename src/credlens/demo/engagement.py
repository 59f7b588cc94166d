"""Owner and public engagement with each credential: views, downloads, shares, profile adds,
public views brought by shares, and referral clicks.

Per-credential probabilities are the program's calibrated rates (``profiles.py``). How they
split between credentials the owner opened and the others (the blind spots of metrics.md), the
delays and the counts per credential are ASSUMPTIONS stated below.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from credlens.demo import designs, vocab
from credlens.demo.cohort import Cohort, Setting
from credlens.demo.events import Emitter
from credlens.demo.sampling import (
    DAY,
    HOUR,
    MINUTE,
    NEVER,
    BoolArray,
    FloatArray,
    IntArray,
    constant,
    delays,
    expand,
    labels,
    pick,
    pick_rows,
    split_rate,
)

# ASSUMPTION: first owner view after award: same day (hours), within the week, weeks later.
FIRST_VIEW_MIX = (0.5, 0.35, 0.15)
FIRST_VIEW_MEDIAN = np.array([3 * HOUR, 2.5 * DAY, 14 * DAY], dtype=np.float64)
FIRST_VIEW_SIGMA = np.array([1.2, 0.8, 0.8])
FAILED_DELIVERY_VIEWS = 0.35  # ASSUMPTION: relative view odds of an owner whose notification bounced
REENGAGED_DOWNLOADS = 0.4  # ASSUMPTION: re-engaged owners who download again
AFTER_VIEW = {"share": 0.9, "download": 0.92, "profile_add": 0.93}  # ASSUMPTION: share after a recorded view
REFERRALS_FROM_SHARED = 0.65  # ASSUMPTION: share of referring credentials that were shared
PUBLIC_SHARES = 0.02  # ASSUMPTION: public views followed by a re-share
PUBLIC_DOWNLOADS = 0.01  # ASSUMPTION: public views followed by a download
PUBLIC_SHARE_CHANNELS = (0.5, 0.2, 0.0, 0.1, 0.0, 0.2, 0.0, 0.0)
PROFILE_VIEWS = 1.5  # ASSUMPTION: mean public views from LinkedIn per profile add
SEARCH_VIEWS = 0.3  # ASSUMPTION: mean search-engine views per shared credential
HOME_VIEWERS = 0.75  # public viewers from the home country, relative to the recipients' share


@dataclass(frozen=True)
class Opened:
    """Which credentials the owner opened, when first, and how likely that was."""

    viewed: BoolArray
    first_view: IntArray
    p_view: FloatArray


def engage(setting: Setting, cohort: Cohort, failed: BoolArray, out: Emitter, rng: np.random.Generator) -> BoolArray:
    """Emit the cohort's engagement events; return which credentials their owner shared."""
    opened = _open(setting, cohort, failed, rng)
    back, back_at = _owner_views(setting, cohort, opened, out, rng)
    _downloads(setting, cohort, opened, back, back_at, out, rng)
    shared, u_share, share_rows, share_at, channel = _shares(setting, cohort, opened, out, rng)
    added, added_at = _profile_adds(setting, cohort, opened, u_share, out, rng)
    views = _Views(cohort.size)
    views.add_shares(setting, cohort, share_rows, share_at, channel, rng)
    views.add_profiles(added, added_at, shared, share_at, share_rows, rng)
    first_public = views.emit(setting, out, rng)
    _referrals(setting, cohort, opened, shared, first_public, out, rng)
    return shared


def _open(setting: Setting, cohort: Cohort, failed: BoolArray, rng: np.random.Generator) -> Opened:
    """Whether and when each owner first views the credential (fewer after a failed delivery)."""
    issuer, n = setting.issuer, cohort.size
    calibration = issuer.delivery_rate + (1 - issuer.delivery_rate) * FAILED_DELIVERY_VIEWS
    p_view = setting.programs.view[cohort.program] / calibration * np.where(failed, FAILED_DELIVERY_VIEWS, 1.0)
    component = pick(rng, FIRST_VIEW_MIX, n)
    first_view = cohort.issued + delays(rng, FIRST_VIEW_MEDIAN[component], FIRST_VIEW_SIGMA[component], n)
    return Opened(rng.random(n) < p_view, first_view, p_view)


def _owner_views(
    setting: Setting, cohort: Cohort, opened: Opened, out: Emitter, rng: np.random.Generator
) -> tuple[IntArray, IntArray]:
    """Owner views: the first, repeat visits within days, and re-engagement 30+ days later (returned)."""
    rows, first = expand(rng, opened.viewed, 1.2)
    at = opened.first_view[rows] + np.where(first, 0, delays(rng, 1.5 * DAY, 1.3, len(rows)))
    back = np.flatnonzero(opened.viewed & (rng.random(cohort.size) < setting.issuer.reengagement_rate))
    back_at = opened.first_view[back] + 30 * DAY + delays(rng, 90 * DAY, 0.9, len(back))
    rows, at = np.concatenate([rows, back]), np.concatenate([at, back_at])
    out.emit("credential.viewed", at, rows, {"actor": constant("owner", len(rows))})
    return back, back_at


def _after_view(
    opened: Opened, cohort: Cohort, rate: FloatArray, inside: float, u: FloatArray, rng: np.random.Generator
) -> tuple[BoolArray, IntArray]:
    """Which credentials do something at ``rate`` (mostly after a view) and a time to anchor it on."""
    p_in, p_out = split_rate(rate, opened.p_view, inside)
    happens = u < np.where(opened.viewed, p_in, p_out)
    blind = cohort.issued + delays(rng, 6 * HOUR, 1.5, cohort.size)  # no recorded view first
    return happens, np.where(opened.viewed, opened.first_view, blind)


def _downloads(
    setting: Setting,
    cohort: Cohort,
    opened: Opened,
    back: IntArray,
    back_at: IntArray,
    out: Emitter,
    rng: np.random.Generator,
) -> None:
    """Owner downloads, minutes after opening, sometimes days later or again on re-engagement."""
    rate = setting.programs.download[cohort.program]
    has, anchor = _after_view(opened, cohort, rate, AFTER_VIEW["download"], rng.random(cohort.size), rng)
    rows, first = expand(rng, has, 0.3)
    at = anchor[rows] + delays(rng, 4 * MINUTE, 1.5, len(rows))
    at += np.where(first, 0, delays(rng, 5 * DAY, 1.2, len(rows)))
    again = has[back] & (rng.random(len(back)) < REENGAGED_DOWNLOADS)
    rows = np.concatenate([rows, back[again]])
    at = np.concatenate([at, back_at[again] + delays(rng, 3 * MINUTE, 1.0, int(again.sum()))])
    fmt = labels(vocab.DOWNLOAD_FORMATS, pick(rng, vocab.DOWNLOAD_FORMAT_MIX, len(rows)))
    out.emit("credential.downloaded", at, rows, {"format": fmt})


def _shares(
    setting: Setting, cohort: Cohort, opened: Opened, out: Emitter, rng: np.random.Generator
) -> tuple[BoolArray, FloatArray, IntArray, IntArray, IntArray]:
    """Owner shares on the issuer's channel mix; returns who shared and each share's row, time, channel."""
    u = rng.random(cohort.size)
    rate = setting.programs.share[cohort.program] * designs.share_multiplier(setting, cohort)
    shared, anchor = _after_view(opened, cohort, rate, AFTER_VIEW["share"], u, rng)
    rows, first = expand(rng, shared, 0.35)
    at = anchor[rows] + delays(rng, 20 * MINUTE, 1.5, len(rows))
    at += np.where(first, 0, delays(rng, 4 * DAY, 1.2, len(rows)))
    channel = pick(rng, setting.issuer.share_channels, len(rows))
    out.emit("credential.shared", at, rows, {"channel": labels(vocab.SHARE_CHANNELS, channel)})
    return shared, u, rows, at, channel


def _profile_adds(
    setting: Setting, cohort: Cohort, opened: Opened, u_share: FloatArray, out: Emitter, rng: np.random.Generator
) -> tuple[BoolArray, IntArray]:
    """LinkedIn (rarely XING) profile adds, more likely from owners who also share."""
    u = np.where(rng.random(cohort.size) < 0.5, u_share, rng.random(cohort.size))
    rate = setting.programs.profile_add[cohort.program]
    added, anchor = _after_view(opened, cohort, rate, AFTER_VIEW["profile_add"], u, rng)
    at = anchor + delays(rng, DAY, 1.3, cohort.size)
    rows = np.flatnonzero(added)
    platform = labels(vocab.PROFILE_PLATFORMS, (rng.random(len(rows)) < 0.03).astype(np.int64))
    out.emit("credential.profile_added", at[rows], rows, {"platform": platform})
    return added, at


class _Views:
    """Public views collected from shares, profiles and search, emitted together."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.rows: list[IntArray] = []
        self.at: list[IntArray] = []
        self.referrer: list[IntArray] = []

    def add_shares(
        self,
        setting: Setting,
        cohort: Cohort,
        rows: IntArray,
        at: IntArray,
        channel: IntArray,
        rng: np.random.Generator,
    ) -> None:
        """Views a share brings, hours to days later, by the channel's audience and referrers."""
        mean = np.asarray(vocab.VIEWS_PER_SHARE)[channel] * np.sqrt(setting.programs.value[cohort.program[rows]])
        k = rng.poisson(mean)
        self.rows.append(np.repeat(rows, k))
        self.at.append(np.repeat(at, k) + delays(rng, 8 * HOUR, 1.6, int(k.sum())))
        self.referrer.append(pick_rows(rng, np.asarray(vocab.REFERRER_MIX, dtype=np.float64), np.repeat(channel, k)))

    def add_profiles(
        self,
        added: BoolArray,
        added_at: IntArray,
        shared: BoolArray,
        share_at: IntArray,
        share_rows: IntArray,
        rng: np.random.Generator,
    ) -> None:
        """Views from LinkedIn profiles (weeks after the add) and search engines (months after a share)."""
        k = np.where(added, rng.poisson(PROFILE_VIEWS, self.n), 0)
        self._extend(np.repeat(added_at, k) + delays(rng, 10 * DAY, 1.2, int(k.sum())), k, vocab.LINKEDIN_REFERRER)
        first_share = np.full(self.n, NEVER, dtype=np.int64)
        np.minimum.at(first_share, share_rows, share_at)
        k = np.where(shared & (first_share < NEVER), rng.poisson(SEARCH_VIEWS, self.n), 0)
        self._extend(np.repeat(first_share, k) + delays(rng, 45 * DAY, 1.0, int(k.sum())), k, vocab.SEARCH_REFERRER)

    def _extend(self, at: IntArray, per_row: IntArray, referrer: int) -> None:
        self.rows.append(np.repeat(np.arange(self.n, dtype=np.int64), per_row))
        self.at.append(at)
        self.referrer.append(np.full(len(at), referrer, dtype=np.int64))

    def emit(self, setting: Setting, out: Emitter, rng: np.random.Generator) -> IntArray:
        """Emit the views (with viewer country) and what some viewers do next; return each first view."""
        rows, at, referrer = (np.concatenate(parts) for parts in (self.rows, self.at, self.referrer))
        issuer = setting.issuer
        world = labels(vocab.WORLD, pick(rng, vocab.WORLD_MIX, len(rows)))
        home = rng.random(len(rows)) < issuer.home_share * HOME_VIEWERS
        country = np.where(home, issuer.country, world).astype(object)
        actor = constant("public", len(rows))
        domains = labels(vocab.REFERRERS, referrer)
        for known in (True, False):
            part = np.flatnonzero((referrer > 0) == known)
            fields = {"actor": actor[part], "country": country[part]}
            if known:
                fields["referrer_domain"] = domains[part]
            out.emit("credential.viewed", at[part], rows[part], fields)
        _public_followups(rows, at, out, rng)
        first = np.full(self.n, NEVER, dtype=np.int64)
        np.minimum.at(first, rows, at)
        return first


def _public_followups(rows: IntArray, at: IntArray, out: Emitter, rng: np.random.Generator) -> None:
    """A few public viewers re-share the credential or download it."""
    part = np.flatnonzero(rng.random(len(rows)) < PUBLIC_SHARES)
    channel = labels(vocab.SHARE_CHANNELS, pick(rng, PUBLIC_SHARE_CHANNELS, len(part)))
    fields = {"channel": channel, "actor": constant("public", len(part))}
    out.emit("credential.shared", at[part] + delays(rng, 3 * MINUTE, 1.0, len(part)), rows[part], fields)
    part = np.flatnonzero(rng.random(len(rows)) < PUBLIC_DOWNLOADS)
    fields = {"format": constant("pdf", len(part)), "actor": constant("public", len(part))}
    out.emit("credential.downloaded", at[part] + delays(rng, MINUTE, 1.0, len(part)), rows[part], fields)


def _referrals(
    setting: Setting,
    cohort: Cohort,
    opened: Opened,
    shared: BoolArray,
    first_public: IntArray,
    out: Emitter,
    rng: np.random.Generator,
) -> None:
    """Click-throughs to the issuer's site, from public views of shared credentials or owner views."""
    programs = setting.programs
    rate, share = programs.referral[cohort.program], programs.share[cohort.program]
    p_shared = np.clip(rate * REFERRALS_FROM_SHARED / np.maximum(share, 1e-9), 0.0, 1.0)
    viewed_only = np.maximum(opened.p_view - AFTER_VIEW["share"] * share, 1e-9)
    p_viewed = np.clip(rate * (1 - REFERRALS_FROM_SHARED) / viewed_only, 0.0, 1.0)
    u = rng.random(cohort.size)
    refers = np.where(shared, u < p_shared, opened.viewed & (u < p_viewed))
    # NOTE: a shared credential without a recorded public view refers from an unrecorded visit.
    anchor = np.where(shared & (first_public < NEVER), first_public, opened.first_view)
    rows, first = expand(rng, refers, 0.2)
    at = anchor[rows] + delays(rng, 45, 1.0, len(rows)) + np.where(first, 0, delays(rng, 2 * DAY, 1.2, len(rows)))
    out.emit("credential.referral_clicked", at, rows)
