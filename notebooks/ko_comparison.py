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
# # The measured trajectory against Ko Sangtu's assessment

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

from balances import analysis, change, ko, ko_plots, plots
from balances.reports.notebook import finding, heading, ko_finding, paragraph, provenance

scoring_spec = analysis.validate_parameters(focal, reference, start, end, spec, draws, seed)
judgement = ko.judge("ko")
claims = judgement.claims
in_period = ko.claims_in_period(claims, start, end)
counts = in_period["verdict"].value_counts()
# the title comes from the periods file: displayed as escaped text, never as Markdown;
# the finding is the report's first paragraph
display(heading(period_title, start, end))
display(finding(ko_finding(in_period, start, end)))
display(paragraph(f"Ko Sangtu's assessment against the data, {focal} vs {reference}."))
print(f"Ko claims bearing on {start}-{end}: {len(in_period)} "
      f"(supported {counts.get('supported', 0)}, contradicted {counts.get('contradicted', 0)}, "
      f"inconclusive {counts.get('inconclusive', 0)})")

# %% [markdown]
# ## Ko's reading
#
# Ko (mid-2000s) reads Russia's choice between balancing and bandwagoning through Walt's three
# conditions (its own capability, the availability of allies, the security climate) and dates a
# sequence of stances: a pro-Western course under Kozyrev, Primakov's Eurasianism from 1996, Putin's
# multivector diplomacy from 2000, support for the US after September 2001, and a turn to balancing
# with China after 2003. This report sets the claims that bear on the period beside the data.

# %% [markdown]
# ## Claims and verdicts
#
# Each claim is a paraphrase of Ko with the section where he makes it, tested on several kinds of
# evidence (votes as chance-corrected kappa, military cooperation, treaties, disputes, statements,
# the alignment outcome). A claim is *supported* or *contradicted* only when the kinds that speak
# agree, and *inconclusive* otherwise; *fragility* says whether the verdict flips over the declared
# grid of thresholds. Rows marked `@YYYY-YYYY` re-run a claim on a later period, beyond Ko's span.

# %%
display(plots.styled(
    in_period[["claim_id", "period", "verdict", "evidence", "fragility", "statement", "measured"]],
    widths={"statement": "13em", "measured": "14em", "evidence": "12em", "fragility": "9em"},
).set_properties(subset=["fragility"], **{"overflow-wrap": "anywhere"}))  # long threshold names
# one sentence per contradicted or inconclusive verdict, generated from its evidence rows
why = ko_plots.explain(judgement)
why = why[why["claim_id"].isin(in_period["claim_id"])]
plots.styled(why[["claim_id", "verdict", "sentence"]], widths={"sentence": "40em"})

# %%
fig, ax = plt.subplots(figsize=(8, 0.35 * max(len(in_period), 4) + 1))
plots.verdicts(in_period, ax=ax)
plt.show()

# %% [markdown]
# ## Ko's own figures beside the current SIPRI release
#
# Ko's Table 1 (Russian military spending, SIPRI 2006), Table 2 (Russian arms exports by recipient,
# SIPRI TIV) and single figures from his text, set beside what the current SIPRI release gives for the
# same quantity. SIPRI revises past years; the revisions are shown, not hidden.

# %%
from balances.ko_figures import revisions

plots.styled(
    revisions()[["figure_id", "ko_value", "current_value", "comparison"]], widths={"comparison": "30em"}, precision=2
)

# %% [markdown]
# ## Ko's periods behind the measured scores
#
# The lens scores of the alignment report, with Ko's periods shaded behind them.

# %%
if focal.replace(" ", "").upper() in ("RUS,CHN", "CHN,RUS") and reference.upper() == "USA":
    result = analysis.score(focal, reference, 1992, 2024, scoring_spec, draws=draws, seed=seed)
    table = result.table()
    fig, ax = plt.subplots(figsize=(10, 4.5))
    plots.lens_scores(table, ax=ax)
    plots.shade_periods(ko.periods_frame(), ax, label_col="id")
    ax.axvspan(start - 0.5, end + 0.5, fill=False, ls="--", lw=1, color="k")
    plt.show()
else:
    print("Ko's assessment concerns Russia, China and the United States; the rest of this report is skipped.")
    table = None

# %% [markdown]
# ## Ko's stances against the data's
#
# Ko's stance for each of his periods, the stance Walt's conditions predict from the data (rule and
# thresholds printed below), and the stance Russia's UN General Assembly votes reveal. Cohen's kappa
# measures agreement beyond chance; the years of disagreement are listed.

# %%
from balances.walt import rule_table

display(plots.styled(rule_table()))
agreement = ko.stance_agreement()
display(plots.styled(agreement["summary"], widths={"disagreements": "28em"}))
fig, ax = plt.subplots(figsize=(8, 3))
ko_plots.stance_strips(agreement, ax=ax)
plt.show()
plots.styled(ko_plots.disagreement_years(agreement))

# %% [markdown]
# ## Structural breaks in the overall score
#
# Chow tests at Ko's break years (1996, 2001, 2003) and at later ones (2008, 2014, 2022), an
# unknown-break (sup-F) test, and a two-regime Markov-switching model whose regimes are set beside
# Ko's periods. With about thirty yearly observations these are indicative only.

# %%
if table is not None:
    overall = table[table["lens"] == "overall"].set_index("year")["score"]
    display(change.chow_tests(overall, [1996, 2001, 2003, 2008, 2014, 2022]).round(3))
    sup = change.unknown_break(overall)
    print(f"sup-F break year {sup['break_year']}, sup-F {sup['sup_f']:.2f}, p {sup['p_value']:.3f}. {sup['caution']}")
    regimes = change.markov_regimes(overall, seed=seed)
    fig, ax = plt.subplots(figsize=(9, 2.5))
    plots.regimes(regimes["probabilities"], ax=ax)
    plt.show()
    print(regimes["caution"])
    display(change.compare_regimes_with_periods(regimes["regimes"], ko.period_spans()))

# %% [markdown]
# ## Beyond Ko: do the drivers explain the outcome?
#
# The alignment ladder (the outcome) regressed on the three lens scores of the previous year (the
# drivers). The gap is how far the observed depth of military alignment sits above (positive) or
# below (negative) what the drivers predict. With one observation a year and an ordinal outcome this
# is descriptive, not causal.

# %%
if table is not None:
    gap = analysis.alignment_gap(focal, reference, spec=scoring_spec)
    print(gap["caution"])
    display(gap["coefficients"].round(3))
    g = gap["gap"]
    fig, ax = plt.subplots(figsize=(9, 3))
    ax.bar(g["year"], g["gap"], color=["#2ca02c" if v > 0 else "#d62728" for v in g["gap"].fillna(0)])
    ax.axhline(0, color="k", lw=0.8)
    ax.set_ylabel("ladder level minus fitted")
    ax.set_xlabel("year")
    plt.show()
    gap["correlations"].pivot(index="driver", columns="lag", values="r").round(2)

# %% [markdown]
# ## Provenance
#
# What this report was made from: its parameters, the package version and commit, the processed
# tables with their SHA-256, the sources behind them with their citations, and the date.

# %%
provenance(
    {"focal": focal, "reference": reference, "start": start, "end": end, "spec": spec,
     "draws": draws, "seed": seed, "period_name": period_name},
)
