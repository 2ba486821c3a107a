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
# much each lens counts in the overall score: the balance of **power** (capabilities relative to the
# reference), of **threat** (what the reference does near the pair: disputes, rivalries, bases,
# alliances), and of **interests** (how the pair votes, trades and arms each other). Scores run from
# 0 to 100, higher meaning closer alignment against the reference; every year is normalised over the
# whole 1991-2024 panel, so a year has the same score whatever period is shown.
#
# The shaded bands are the 5-95% range of Monte Carlo draws over the other scoring choices
# (normalisation, aggregation, imputation, leaving an indicator out): where they are wide, the
# score says more about method than about the world. The tabs show which indicators carry the
# overall score, and which of Ko Sangtu's claims about Russian policy concern the period, with the
# verdict the data give them.
#
# The readout is the number `balances score` prints for the same choices: save the spec with
# `explore.spec_for(preset, weights).save("my.yml")` and run `balances score --spec my.yml`.

# %% tags=["parameters"]
focal = "RUS,CHN"
reference = "USA"
start = 1992
end = 2024
preset = "default"
draws = 200
seed = 0
power_weight = 1.0
threat_weight = 1.0
interests_weight = 1.0

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
# Move a slider or pick another option: the readout and the lens plot redraw at once, the
# contributions heatmap just after.

# %%
ui = explore.build_ui(explorer, focal=focal, reference=reference, start=start, end=end,
                      preset=preset, lens_weights=lens_weights)
display(ui)

# %% [markdown]
# ## The readout for the parameters above
#
# The same number as a plain text result, so that a run without a browser (papermill, CI) leaves it
# in the notebook.

# %%
state = explorer.state(focal, reference, start, end, preset, lens_weights)
print(explore.readout_text(state["readout"], start, end))
print(f"Scoring spec {state['readout']['spec_digest']}: preset {preset!r}, lens weights {lens_weights}")
