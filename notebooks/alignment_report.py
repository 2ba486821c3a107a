# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Alignment report

# %% tags=["parameters"]
focal: str = "RUS,CHN"  # the focal pair: two ISO3 codes, comma-separated
reference: str = "USA"  # the reference power: one ISO3 code
start: int = 1992  # first year reported (1991-2024)
end: int = 2024  # last year reported (1991-2024, not before start)
spec: str = "default"  # scoring spec: a preset of balances.scoring.PRESETS or a YAML file
draws: int = 1000  # Monte Carlo draws over the scoring choices (0: none)
seed: int = 0  # seed of the Monte Carlo draws
period_name: str = "whole_series_1992_2024"  # the period's name in the periods file
period_title: str = "The whole series"  # the period's title, shown as the report's heading

# %%
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import display

from balances import analysis, plots
from balances.indicators.panel import coverage
from balances.ladder import RUNG_NAMES, ladder
from balances.reports.notebook import (
    alignment_finding, finding, heading, paragraph, provenance, tables_used,
)
from balances.triad import Triad

scoring_spec = analysis.validate_parameters(focal, reference, start, end, spec, draws, seed)
triad = Triad.parse(focal, reference)
result = analysis.score(focal, reference, start, end, scoring_spec, draws=draws, seed=seed)
summary = analysis.period_summary(result)
overall = summary.set_index("lens").loc["overall"]
lad = ladder(triad, start=start, end=end)
# the title comes from the periods file: displayed as escaped text, never as Markdown;
# the finding is the report's first paragraph
display(heading(period_title, start, end))
display(finding(alignment_finding(result, lad["levels"], RUNG_NAMES)))
display(paragraph(
    f"{triad.label}. Scoring spec {scoring_spec.digest()} ({scoring_spec.normalise} normalisation, "
    f"{scoring_spec.aggregate} mean, {scoring_spec.weights} weights), {draws} Monte Carlo draws, "
    f"seed {seed}."
))
print(f"Mean overall driver score {start}-{end}: {overall['mean']:.1f} "
      f"(band {overall['mean_low']:.1f}-{overall['mean_high']:.1f})")

# %% [markdown]
# ## What this report measures
#
# How closely were the focal pair aligned against the reference power in this period, and why?
# What the states did together is measured on its own ("The measured outcome" below). The three
# lenses are the reasons Korolev (2021) gives for it - balance of power, balance of threat (Walt),
# balance of interests (Schweller) - built from drivers only. Each indicator is scored as its
# percentile among a declared population (every pair of the dyad states against the US, 1991-2024),
# so a score means the same for any pair and any year. Higher means the lens's theory expects closer
# alignment against the reference; the overall score combines the three lenses and is an index of
# drivers, not the alignment itself.

# %% [markdown]
# ## Lens scores
#
# Each line is one lens; the black line is the overall score. The shaded band is the 5-95% range of
# the Monte Carlo draws over the analyst's choices (weights, normalisation, aggregation, imputation,
# leaving one indicator out): where it is wide, the score depends on those choices more than on
# the data. Dotted lines mark the years where a source stops.

# %%
fig, ax = plt.subplots(figsize=(9, 4.5))
plots.lens_scores(result, ax=ax, title=f"{triad.label}, {start}-{end}")
plt.show()
summary.round(1)

# %% [markdown]
# ## The measured outcome
#
# What the three lenses are meant to explain, measured on its own from what states do together
# (UN votes, shared organisations, trade, arms, exercises; less the chance of disputes, armed
# conflicts and crises between them) for every pair of UN members on one scale: 0-100 is the
# share of all pair-years since 1946 that are less aligned. The period is
# shaded; the bands are 90% intervals and widen where sources stop.

# %%
from balances.alignment import against
from balances.alignment.plot import plot_pairs

a, b = (c.strip().upper() for c in focal.split(","))
fig, ax = plt.subplots(figsize=(8, 4.2))
plot_pairs(ax, (f"{a},{b}", f"{a},{reference}", f"{b},{reference}"), 1991, 2024, title=f"Alignment of each pair, {a}, {b} and {reference}")
ax.axvspan(start - 0.5, end + 0.5, color="0.92", zorder=0)
plt.show()
outcome = against((a, b), reference, start, end)
print(f"Aligned against {reference}, {start}-{end} (pair's score minus its mean score with {reference}, -100 to 100): "
      f"{outcome['score'].iloc[0]:+.1f} in {start}, {outcome['score'].iloc[-1]:+.1f} in {end}")

# %% [markdown]
# ## What changed inside the period, and why
#
# The indicators that moved the overall score most between the first and the last year of the
# period, with their values at both ends (in the indicators' own units).

# %%
analysis.explain_change(result).round(3)

# %% [markdown]
# ## Voting together in the UN General Assembly
#
# Share of roll calls on which two states cast the same vote (yes, abstain or no; votes both cast),
# from Voeten's roll-call data, and the chance-corrected Cohen's kappa. Dyads: the focal pair, and
# each focal state with the reference.

# %%
from balances.data import load_table

sim = load_table("unga_similarity")
dyads = [(triad.focal1, triad.focal2), (triad.focal1, triad.reference), (triad.focal2, triad.reference)]
fig, axes = plt.subplots(1, 2, figsize=(11, 3.5))
for ax, measure in zip(axes, ("agreement", "kappa")):
    plots.similarity(sim[sim["year"].between(1991, 2024)], ax=ax, measure=measure, dyads=dyads)
    ax.axvspan(start - 0.5, end + 0.5, color="k", alpha=0.06, lw=0)
plt.show()

# %% [markdown]
# ## Indicator contributions
#
# Points each indicator adds to the overall score per year (its normalised value times its weight).

# %%
fig, ax = plt.subplots(figsize=(10, 8))
plots.contributions(result, ax=ax, start=start, end=end)
plt.show()

# %% [markdown]
# ## Coverage
#
# Which indicator has data in which year: a missing value is left missing (never set to 0);
# `estimate` marks values the source flags as estimates.

# %%
panel = result.period_panel()
fig, ax = plt.subplots(figsize=(10, 8))
plots.coverage(coverage(panel), ax=ax)
plt.show()
missing = (panel["status"] == "missing").mean()
print(f"Share of indicator-years missing in {start}-{end}: {missing:.0%}")

# %% [markdown]
# ## The alignment ladder (outcome)
#
# Korolev's ladder of military alignment, coded year by year from evidence (summits and treaties,
# SIPRI arms transfers, joint exercises and patrols, ATOP). It is the outcome the three lenses should
# explain, so it is not part of the score.

# %%
fig, ax = plt.subplots(figsize=(9, 3))
plots.ladder(lad["levels"], ax=ax, rung_names=RUNG_NAMES[:6])
plt.show()
lad["levels"][["year", "level", "label", "partnership"]]

# %% [markdown]
# ## Sensitivity of the overall score to the analyst's choices
#
# First-order variance shares from the Monte Carlo: which choice moves the score most.

# %%
if result.sensitivity is not None:
    fig, ax = plt.subplots(figsize=(6, 3))
    plots.sensitivity(result.sensitivity, ax=ax)
    plt.show()
result.weights.round(3)

# %% [markdown]
# ## Provenance
#
# What this report was made from: its parameters, the package version and commit, the processed
# tables it read with their SHA-256, the sources behind them with their citations, and the date.

# %%
used = tables_used(result) | {"unga_similarity"} | set(lad["evidence"]["table"].dropna())
provenance(
    {"focal": focal, "reference": reference, "start": start, "end": end, "spec": spec,
     "draws": draws, "seed": seed, "period_name": period_name},
    used,
)
