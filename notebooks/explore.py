# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Explore the alignment scores
#
# How much does the verdict on China-Russia alignment against the United States depend on the
# analyst's choices? Pick a focal pair and a reference power, a period, a scoring preset, and how
# much each lens counts in the overall score. The three lenses hold the conditions their theories
# say push states to align: the balance of **power** (the reference's preponderance and the pair's
# capacity to balance it), of **threat** (proximity, offensive capability and hostile intentions of
# the reference, less the threat the pair poses to each other), and of **interests** (how far each
# member stands from the reference on the international order). Scores run from 0 to 100, higher
# meaning closer alignment against the reference, on one scale across pairs: each indicator is
# scored against a declared population of triads and years, so a score means the same for
# France-Germany as for Russia-China. The chart below the lenses is what they are meant to explain,
# the measured **alignment** outcome: how much closer the pair is to each other than to the
# reference (-100 to 100), from what states do together.
#
# The shaded band is the 5-95% range of Monte Carlo draws over the other scoring choices
# (normalisation, aggregation, imputation, leaving an indicator out): where it is wide, the score
# says more about method than about the world. Dotted lines mark where a source stops. The table
# gives each lens's mean over the period with its band (rounded outward to the digits the draws make
# stable), its R² on the year (near 1: the series mostly measures time), how many indicators it
# rests on in the last year and which sources end before it. The tabs show which indicators carry
# the overall score, and which of Ko Sangtu's claims about Russian policy concern the period.
#
# The explorer scores as `balances score` and `balances lenses` do, with the same defaults (draws,
# seed, spec). The readout is the number `balances score` prints for the same choices: save the
# spec with `explore.spec_for(preset, weights).save("my.yml")` and run
# `balances score --spec my.yml`.

# %% tags=["parameters"]
focal: str = "RUS,CHN"  # the focal pair: two ISO3 codes, comma-separated
reference: str = "USA"  # the reference power: one ISO3 code
start: int = 1992  # first year shown (1991-2024)
end: int = 2024  # last year shown (1991-2024, not before start)
preset: str = "default"  # scoring preset the explorer opens with (balances.scoring.PRESETS)
draws: int = 1000  # Monte Carlo draws over the scoring choices (0: none)
seed: int = 0  # seed of the Monte Carlo draws
power_weight: float = 1.0  # starting weight of the power lens in the overall score
threat_weight: float = 1.0  # starting weight of the threat lens in the overall score
interests_weight: float = 1.0  # starting weight of the interests lens in the overall score

# %%
from IPython.display import display

from balances import analysis, explore

lens_weights = {"power": power_weight, "threat": threat_weight, "interests": interests_weight}
spec = explore.spec_for(preset, lens_weights)
analysis.validate_parameters(focal, reference, start, end, spec, draws, seed)
explorer = explore.Explorer(draws=draws, seed=seed)

# %% [markdown]
# ## The explorer
#
# Move a slider or pick another option: the readout and the lens plot redraw at once, the lens
# table and the contributions heatmap just after.

# %%
ui = explore.build_ui(explorer, focal=focal, reference=reference, start=start, end=end,
                      preset=preset, lens_weights=lens_weights)
display(ui)

# %% [markdown]
# ## The readout and the lens table for the parameters above
#
# The same numbers as plain text and a table, so that a run without a browser (papermill, CI)
# leaves them in the notebook.

# %%
state = explorer.state(focal, reference, start, end, preset, lens_weights)
print(explore.readout_text(state["readout"], start, end))
print(f"Scoring spec {state['readout']['spec_digest']}: preset {preset!r}, lens weights {lens_weights}")
state["lenses"][["lens", "mean", "band", "r2_year", "n_indicators", "data_end"]].round(2)
