"""Declarations of the alignment outcome: its inputs, their expected signs and preparation.

One place declares what the outcome is made of; :mod:`balances.alignment.prepare`,
the model, the CLI listing and the tests read these declarations and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from balances.errors import ParameterError

Prep = Literal["none", "double_centre", "opportunity"]


@dataclass(frozen=True)
class OutcomeInput:
    """One observed behaviour of the outcome.

    ``name`` is the input's name in the model; ``column`` the column of the
    ``alignment_inputs`` table it is made from; ``sign`` the expected sign of
    its loading (+1 cooperation, -1 hostility, enforced in estimation; 0 free);
    ``label`` and ``source`` are words for tables and charts. ``prep`` is
    ``"none"``; ``"double_centre"``: each state's yearly mean removed (the
    pair's value minus what each side shows with everyone, plus the year's
    mean), so a state that votes alone is nobody's particular rival; or
    ``"opportunity"``: observed only for pairs with the opportunity to fight
    (contiguous by land or within 400 miles of sea), since disputes need
    contact: elsewhere their absence says nothing about alignment.
    """

    name: str
    column: str
    sign: int
    prep: Prep
    label: str
    source: str


#: The default outcome's cooperation: behaviour that aligned states show and others rarely do.
#: Not inputs: UNGA ideal-point distance (the same votes as kappa a second time;
#: kept in the inputs table for comparison), the post-2010 exercise lists that
#: cover only Russia's or China-Russia's pairs (``exercise_partial``: they would
#: lift just the pairs someone chose to document), and every formal-alliance
#: table (the validation target).
DEFAULT_INPUTS: tuple[OutcomeInput, ...] = (
    OutcomeInput(
        "unga_kappa_dc",
        "unga_kappa",
        +1,
        "double_centre",
        "UNGA vote agreement (kappa, relative to each side's usual)",
        "Voeten; UN DL",
    ),
    OutcomeInput(
        "igo_jaccard", "igo_jaccard", +1, "none", "shared IGO memberships (share)", "COW IGO v3"
    ),
    OutcomeInput(
        "trade_share", "trade_share", +1, "none", "trade dependence (log share)", "COW Trade v4"
    ),
    OutcomeInput(
        "arms_transfer",
        "arms_transfer",
        +1,
        "none",
        "arms deliveries (either way)",
        "SIPRI TIV to 2021; trade register 2022-24",
    ),
    OutcomeInput(
        "us_troops_hosted",
        "us_troops_hosted",
        +1,
        "none",
        "hosts 1,000+ US troops (pairs with the US)",
        "DMDC (troopdata rebuild)",
    ),
    OutcomeInput("exercise", "exercise", +1, "none", "joint military exercise", "MME v7; JME v3"),
)

#: The default outcome's hostility: 0/1 behaviour of pairs that fight or face off, every pair
#: (absence of a dispute between distant states is rightly low hostility, not cooperation).
#: Not an input: ICEWS's share of cooperative events (2002-2014): its loading on the
#: cooperation latent came out negative and was held at 0 (pairs with much news, neighbours and
#: great powers, have both), so it says nothing here.
HOSTILE_INPUTS: tuple[OutcomeInput, ...] = (
    OutcomeInput("mid", "mid", -1, "none", "militarized interstate dispute", "COW-MID v5"),
    OutcomeInput(
        "armed_conflict",
        "armed_conflict",
        -1,
        "none",
        "interstate armed conflict (25+ battle deaths)",
        "UCDP/PRIO ACD",
    ),
    OutcomeInput("icb_crisis", "icb_crisis", -1, "none", "international crisis", "ICB dyadic v15"),
)

Dynamics = Literal["random_walk", "ar1"]
Transform = Literal["normal_scores", "zscore"]


@dataclass(frozen=True)
class OutcomeSpec:
    """How the outcome is estimated: inputs, their scaling, and the latents' dynamics.

    Alignment is cooperation less hostility (:mod:`balances.alignment.hostility`):
    ``inputs`` feed the cooperation latent (a dynamic factor model);
    ``hostility`` the yearly probability of hostile behaviour (discounted
    Beta-Bernoulli rates, ``discount`` per year, ``hostility_prior`` pseudo-years
    at the population's base rate); the alignment latent is
    ``cooperation - hostility_weight * hostility``.

    ``dynamics="random_walk"`` (default) carries a dyad's cooperation forward
    with a widening band when its inputs stop; ``"ar1"`` (the declared
    alternative) lets it drift back to the population mean. ``band`` is the
    coverage of the printed interval.
    """

    inputs: tuple[OutcomeInput, ...] = DEFAULT_INPUTS
    hostility: tuple[OutcomeInput, ...] = HOSTILE_INPUTS
    #: Weight of a year's evidence one year away (0.7: halved in about two years, so a war's
    #: first years register, Russia-Ukraine 2022, while a rivalry's disputes still join up).
    discount: float = 0.7
    #: Certain hostility every year lowers the alignment latent by this many population sd of
    #: cooperation: 3 takes the closest cooperation there is (the top 0.1%) to the median.
    hostility_weight: float = 3.0
    #: Pseudo-years of the population's base rate in each hostility rate (a weak prior).
    hostility_prior: float = 0.05
    dynamics: Dynamics = "random_walk"
    transform: Transform = "normal_scores"
    band: float = 0.90
    max_iter: int = 200
    tol: float = 1e-6
    #: No input may explain more than ``1 - min_noise`` of its own variance.
    min_noise: float = 0.5
    extra: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        names = [i.name for i in (*self.inputs, *self.hostility)]
        if len(set(names)) != len(names):
            raise ParameterError("inputs", names, "input names that are unique")
        if not self.inputs:
            raise ParameterError("inputs", names, "at least one cooperation input")
        if not 0 < self.discount < 1:
            raise ParameterError("discount", self.discount, "a weight between 0 and 1, e.g. 0.7")
        if not (0 <= self.hostility_weight < float("inf")):
            raise ParameterError(
                "hostility_weight", self.hostility_weight, "a finite weight >= 0, e.g. 3"
            )
        if not (0 < self.hostility_prior < float("inf")):
            raise ParameterError(
                "hostility_prior", self.hostility_prior, "a positive number of pseudo-years"
            )
        if self.dynamics not in ("random_walk", "ar1"):
            raise ParameterError("dynamics", self.dynamics, "'random_walk' or 'ar1'")
        if self.transform not in ("normal_scores", "zscore"):
            raise ParameterError("transform", self.transform, "'normal_scores' or 'zscore'")
        if not 0 < self.min_noise < 1:
            raise ParameterError("min_noise", self.min_noise, "a share between 0 and 1, e.g. 0.5")
        if not 0.5 <= self.band < 1:
            raise ParameterError("band", self.band, "a coverage between 0.5 and 1, e.g. 0.9")
        for i in self.inputs:
            if i.sign not in (-1, 0, 1):
                raise ParameterError(f"inputs.{i.name}.sign", i.sign, "-1, 0 or +1")

    @property
    def names(self) -> tuple[str, ...]:
        """Cooperation input names, in model order."""
        return tuple(i.name for i in self.inputs)

    @property
    def hostile_names(self) -> tuple[str, ...]:
        """Hostility input names, in order."""
        return tuple(i.name for i in self.hostility)

    @property
    def signs(self) -> tuple[int, ...]:
        """Declared loading signs, in model order."""
        return tuple(i.sign for i in self.inputs)

    def without(self, *names: str) -> OutcomeSpec:
        """The same spec less some inputs (for the source-stop stability check)."""
        known = [*self.names, *self.hostile_names]
        unknown = [n for n in names if n not in known]
        if unknown:
            raise ParameterError("inputs", unknown, f"names among {known}")
        from dataclasses import replace

        return replace(
            self,
            inputs=tuple(i for i in self.inputs if i.name not in names),
            hostility=tuple(i for i in self.hostility if i.name not in names),
        )
