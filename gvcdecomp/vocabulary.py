"""One vocabulary: what every returned variable means, and the option spellings accepted.

``VARIABLES`` is the single registry of result variables: for each name (per
method where the literature reuses a code, e.g. KWW's and WWZ's ``DVA_INT``
differ) its long name, units, formula, reference, its name in R decompr, Stata
icio and OECD TiVA, and how it aggregates: a *flow* adds up over countries,
sectors and partners; a *ratio* ``Σ num / Σ den`` is recomputed from its summed
numerator and denominator; anything else (an index, a log position, a length
that is a ratio of unreported sums) cannot be aggregated and is dropped with a
note. :func:`describe` writes ``long_name``, ``units`` and ``description`` on
every variable of a result; :func:`glossary_markdown` renders docs/glossary.md.

Dimension rule: anything about exports uses ``exporter`` / ``importer`` (and
``sector`` for the exporting industry); quantities of the table itself
(production, value added, final demand, positions in the production network)
use ``country`` / ``sector``; value-added origin uses ``source_country`` /
``source_sector`` and final use ``destination``.

``OPTION_ALIASES`` maps the option values of R decompr and Stata icio to ours;
:func:`canonical_options` applies it (``decompose`` and the indicators call it).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

import xarray as xr

from .errors import OptionError

TABLE_UNITS = "units of the table"

# -- references (short) -------------------------------------------------------------
WWZ = "Wang, Wei & Zhu (2013), NBER WP 19677, eq. (37)"
KWW = "Koopman, Wang & Wei (2014), AER 104(2), eq. (36)"
BM = "Borin & Mancini (2019), WB PRWP 8804; (2023), ESR 35(4)"
HIY = "Hummels, Ishii & Yi (2001), JIE 54(1)"
JN = "Johnson & Noguera (2012), JIE 86(2)"
TIVA = "OECD (2019), Guide to OECD's TiVA indicators"
DRS = "Daudin, Rifflart & Schweisguth (2011), CJE 44(4)"
KPWW = "Koopman, Powers, Wang & Wei (2010), NBER WP 16426"
WWYZA = "Wang, Wei, Yu & Zhu (2017a), NBER WP 23222"
WWYZB = "Wang, Wei, Yu & Zhu (2017b), NBER WP 23261"
ACFH = "Antràs, Chor, Fally & Hillberry (2012), AER 102(3)"
AC = "Antràs & Chor (2013), Econometrica 81(6)"
DRB = "Dietzenbacher, Romero & Bosma (2005), EEA 23(2)"
MYW = "Meng, Ye & Wei (2020), OBES 82(5)"
TIMMER = "Timmer, Erumban, Los, Stehrer & de Vries (2014), JEP 28(2)"
LTV = "Los, Timmer & de Vries (2015), JRS 55(1)"


@dataclass(frozen=True)
class Var:
    """One result variable: meaning, units, names elsewhere, how it aggregates.

    ``units`` is ``TABLE_UNITS`` for flows (replaced by the table's units).
    ``ratio`` is ``(numerators, denominators)``: the variable is ``Σ num / Σ
    den`` and is recomputed so after summing. ``additive`` says whether the
    variable itself may be summed.
    """

    long_name: str
    units: str
    formula: str
    reference: str = ""
    decompr: str = ""
    icio: str = ""
    tiva: str = ""
    ratio: tuple | None = None
    additive: bool = True

    @property
    def aggregates(self) -> str:
        if self.ratio is not None:
            num, den = (" + ".join(p) for p in self.ratio)
            return f"ratio: Σ({num}) / Σ({den})"
        return "flow: sums" if self.additive else "not aggregable (dropped)"


def _flow(long_name, formula, ref="", decompr="", icio="", tiva="", units=TABLE_UNITS):
    return Var(long_name, units, formula, ref, decompr, icio, tiva)


def _ratio(long_name, num, den, ref="", tiva="", icio="", units="fraction", formula=None):
    num, den = (num,) if isinstance(num, str) else num, (den,) if isinstance(den, str) else den
    text = formula or f"({' + '.join(num)}) / ({' + '.join(den)}); 0 where the denominator is 0"
    return Var(long_name, units, text, ref, "", icio, tiva, ratio=(num, den), additive=False)


def _index(long_name, units, formula, ref=""):
    return Var(long_name, units, formula, ref, additive=False)


_LSS = "(V^s L^{ss})ᵀ # A^{sr}"
_WWZ_TERMS = {
    "DVA_FIN": ("domestic value added in final-goods exports, absorbed by the importer",
                "(V^s B^{ss})ᵀ # Y^{sr}"),
    "DVA_INT": ("domestic value added in intermediate exports absorbed by the direct importer",
                f"{_LSS} B^{{rr}} Y^{{rr}}"),
    "DVA_INTrexI1": ("domestic value added in intermediates re-exported to third countries "
                     "as intermediates and absorbed there", f"{_LSS} Σ_{{t≠s,r}} B^{{rt}} Y^{{tt}}"),
    "DVA_INTrexF": ("domestic value added in intermediates re-exported to third countries in "
                    "final goods", f"{_LSS} B^{{rr}} Σ_{{t≠s,r}} Y^{{rt}}"),
    "DVA_INTrexI2": ("domestic value added in intermediates re-exported as intermediates, "
                     "absorbed beyond the third country",
                     f"{_LSS} Σ_{{t≠s,r}} B^{{rt}} Σ_{{u≠s,t}} Y^{{tu}}"),
    "RDV_INT": ("returned domestic value added, in intermediate imports used for domestic "
                "final goods", f"{_LSS} B^{{rs}} Y^{{ss}}"),
    "RDV_FIN": ("returned domestic value added, in final imports from the direct importer",
                f"{_LSS} B^{{rr}} Y^{{rs}}"),
    "RDV_FIN2": ("returned domestic value added, in final imports via third countries",
                 f"{_LSS} Σ_{{t≠s,r}} B^{{rt}} Y^{{ts}}"),
    "OVA_FIN": ("third-country value added in final-goods exports",
                "(Σ_{t≠s,r} V^t B^{ts})ᵀ # Y^{sr}"),
    "MVA_FIN": ("importer's own value added in final-goods exports", "(V^r B^{rs})ᵀ # Y^{sr}"),
    "OVA_INT": ("third-country value added in intermediate exports",
                "(Σ_{t≠s,r} V^t B^{ts})ᵀ # A^{sr} L^{rr} Y^{rr}"),
    "MVA_INT": ("importer's own value added in intermediate exports",
                "(V^r B^{rs})ᵀ # A^{sr} L^{rr} Y^{rr}"),
    "DDC_FIN": ("domestic double counting, from final-goods production",
                f"{_LSS} B^{{rs}} Σ_{{t≠s}} Y^{{st}}"),
    "DDC_INT": ("domestic double counting, from intermediate-goods production",
                "(V^s B^{ss} - V^s L^{ss})ᵀ # A^{sr} X^r"),
    "ODC": ("third-country double counting", "(Σ_{t≠s,r} V^t B^{ts})ᵀ # A^{sr} L^{rr} E^{r*}"),
    "MDC": ("importer's double counting", "(V^r B^{rs})ᵀ # A^{sr} L^{rr} E^{r*}"),
}
_KWW_TERMS = {
    "DVA_FIN": "domestic value added in final-goods exports (KWW term 1)",
    "DVA_INT": "domestic value added in intermediates absorbed by the direct importer (term 2; "
    "= WWZ DVA_INT + DVA_INTrexI1)",
    "DVA_INTrex": "domestic value added in intermediates re-exported to third countries (term 3)",
    "RDV_FIN": "returned domestic value added in final imports (term 4; = WWZ RDV_FIN + "
    "RDV_FIN2)",
    "RDV_INT": "returned domestic value added in intermediate imports (term 5)",
    "DDC": "domestic double counting (term 6)",
    "FVA_FIN": "foreign value added in final-goods exports (term 7)",
    "FVA_INT": "foreign value added in intermediate exports (term 8)",
    "FDC": "foreign double counting (term 9)",
}

_GEXP = _flow("gross exports", "E^{sr} = A^{sr} X^r + Y^{sr} (summed over importers where "
              "there is none)", TIVA, decompr="texp", icio="GEXP", tiva="EXGR")
_GAP = _flow("gross exports not explained by the terms",
             "gexp - Σ terms; zero up to round-off with row-sum output", WWZ, decompr="texpdiff")

#: Variables of the WWZ groups (wwz_summary), also the generic meaning of these codes.
_SUMMARY = {
    "DVA": _flow("domestic value added absorbed abroad (WWZ terms 1-5)",
                 "DVA_FIN + DVA_INT + DVA_INTrexI1 + DVA_INTrexF + DVA_INTrexI2", WWZ,
                 icio="VAX (exporter perspective)"),
    "RDV": _flow("domestic value added that returns home (WWZ terms 6-8)",
                 "RDV_INT + RDV_FIN + RDV_FIN2", WWZ, icio="REF"),
    "FVA": _flow("foreign value added (WWZ terms 9-12)", "OVA_FIN + MVA_FIN + OVA_INT + MVA_INT",
                 WWZ),
    "DDC": _flow("domestic double counting", "DDC_FIN + DDC_INT (WWZ 13-14; KWW term 6)", WWZ,
                 icio="DDC"),
    "FDC": _flow("foreign double counting (WWZ terms 15-16)", "ODC + MDC", WWZ),
    "PDC": _flow("pure double counting", "DDC + FDC", WWZ),
    "DVA_absorbed_abroad_share": _ratio(
        "share of gross exports that is domestic value added absorbed abroad (WWZ terms 1-5)",
        "DVA", "gexp", WWZ),
    "RDV_share": _ratio("share of gross exports that returns home", "RDV", "gexp", WWZ),
    "FVA_share": _ratio("share of gross exports that is foreign value added (WWZ 9-12, "
                        "without double counting)", "FVA", "gexp", WWZ),
    "DDC_share": _ratio("share of domestic double counting in gross exports", "DDC", "gexp", WWZ),
    "FDC_share": _ratio("share of foreign double counting in gross exports", "FDC", "gexp", WWZ),
    "PDC_share": _ratio("share of pure double counting in gross exports", "PDC", "gexp", WWZ),
}

_TIVA = {
    "EXGR": _flow("gross exports", "E^{s*}", TIVA, icio="GEXP", tiva="EXGR"),
    "EXGR_DVA": _flow("domestic content of gross exports (domestic value added, HIY)",
                      "(V^s B^{ss})ᵀ # E^{s*}", HIY, icio="DC", tiva="EXGR_DVA"),
    "EXGR_FVA": _flow("foreign content of gross exports (HIY vertical specialisation)",
                      "(Σ_{t≠s} V^t B^{ts})ᵀ # E^{s*}", HIY, icio="FC", tiva="EXGR_FVA"),
    "EXGR_DVASH": _ratio("domestic-content share of gross exports", "EXGR_DVA", "EXGR", TIVA,
                         tiva="EXGR_DVASH"),
    "EXGR_FVASH": _ratio("foreign-content share of gross exports", "EXGR_FVA", "EXGR", TIVA,
                         tiva="EXGR_FVASH"),
    "FFD_DVA": _flow("domestic value added absorbed in foreign final demand (value-added "
                     "exports, forward linkage by sector)",
                     "v̂^s Σ_{r≠s} Σ_t B^{st} Y^{tr}", JN, icio="VAX (forward)", tiva="FFD_DVA"),
    "VAX_ratio": _ratio("value-added exports over gross exports (VAX ratio)", "FFD_DVA", "EXGR",
                        JN),
    "EXGR_DVAFX": _flow("domestic value added in other countries' exports (VS1)",
                        "v̂^s Σ_{r≠s} B^{sr} E^{r*}", DRS, tiva="EXGR_DVAFX"),
    "EXGR_DVAFXSH": _ratio("VS1 over own gross exports", "EXGR_DVAFX", "EXGR", DRS,
                           tiva="EXGR_DVAFXSH"),
    "REF": _flow("reflected domestic value added (returns home)",
                 "KWW terms 4-5 by exporter; WWZ RDV by sector", KWW, icio="REF"),
    "VS": _flow("vertical specialisation: foreign content of exports",
                "(Σ_{t≠s} V^t B^{ts})ᵀ # E^{s*}", HIY, icio="FC", tiva="EXGR_FVA"),
    "VS1": _flow("value added in other countries' exports", "Σ_{r≠s} V^s B^{sr} E^{r*}", DRS,
                 tiva="EXGR_DVAFX"),
    "VS_share": _ratio("VS over gross exports", "VS", "gexp", HIY, tiva="EXGR_FVASH"),
    "VS1_share": _ratio("VS1 over gross exports", "VS1", "gexp", DRS, tiva="EXGR_DVAFXSH"),
    "RCA_VA": _index("revealed comparative advantage on domestic value added in exports",
                     "index (1 = world average)",
                     "(DV_si / Σ_j DV_sj) / (Σ_t DV_ti / Σ_tj DV_tj), DV = v̂^s L^{ss} E^{s*}", KWW),
}

_GVC = {
    "IV": _flow("indirect value-added exports (domestic value added re-exported by the importer)",
                "DVA_INTrexI1 + DVA_INTrexF + DVA_INTrexI2", KPWW),
    "FV": _flow("foreign value added in exports (FVA + FDC)", "OVA_FIN + MVA_FIN + OVA_INT + "
                "MVA_INT + ODC + MDC", KPWW, icio="FC", tiva="EXGR_FVA"),
    "IV_share": _ratio("indirect value-added exports over gross exports", "IV", "gexp", KPWW),
    "FV_share": _ratio("foreign value added over gross exports", "FV", "gexp", KPWW,
                       tiva="EXGR_FVASH"),
    "kpww_participation": _ratio("KPWW GVC participation index", ("IV", "FV"), "gexp", KPWW),
    "kpww_position": _index("KPWW GVC position index", "log points",
                            "ln(1 + IV/gexp) - ln(1 + FV/gexp)", KPWW),
    "va_total": _flow("value added of the country-industry, in all final goods", "V̂ B y (= v x "
                      "with row-sum output)", WWYZA),
    "y": _flow("final-goods output", "Σ_r Y^{sr}", WWYZA),
    "V_D": _flow("value added in pure domestic production", "V̂ L Ŷ_D u", WWYZA),
    "V_RT": _flow("value added in traditional (final-goods) trade", "V̂ L Ŷ_F u", WWYZA),
    "V_GVC_S": _flow("value added in simple GVC activities (forward)", "V̂ L A_F L Ŷ_D u", WWYZA),
    "V_GVC_C": _flow("value added in complex GVC activities (forward)",
                     "V̂ L A_F (B Ŷ - L Ŷ_D) u", WWYZA),
    "Y_D": _flow("final goods from pure domestic production", "u V̂ L Ŷ_D", WWYZA),
    "Y_RT": _flow("final goods of traditional trade", "u V̂ L Ŷ_F", WWYZA),
    "Y_GVC_S": _flow("final goods of simple GVC activities (backward)", "u V̂ L A_F L Ŷ_D", WWYZA),
    "Y_GVC_C": _flow("final goods of complex GVC activities (backward)",
                     "u V̂ L A_F (B Ŷ - L Ŷ_D)", WWYZA),
}
for _side, _tot, _p in (("forward", "va_total", "V"), ("backward", "y", "Y")):
    _GVC[f"participation_{_side}"] = _ratio(
        f"{_side} GVC participation", (f"{_p}_GVC_S", f"{_p}_GVC_C"), _tot, WWYZA)
    _GVC[f"participation_{_side}_simple"] = _ratio(
        f"{_side} GVC participation, simple", f"{_p}_GVC_S", _tot, WWYZA)
    _GVC[f"participation_{_side}_complex"] = _ratio(
        f"{_side} GVC participation, complex", f"{_p}_GVC_C", _tot, WWYZA)
_STAGES = "production stages"
_GVC.update({
    "Xv": _flow("gross output induced along forward chains", "V̂ B B Ŷ u", WWYZB),
    "Xy": _flow("gross output induced along backward chains", "u V̂ B B Ŷ", WWYZB),
    "Xv_GVC": _flow("GVC gross output, forward", "V̂ L L A_F B Ŷ u + V̂ L A_F B B Ŷ u", WWYZB),
    "Xy_GVC": _flow("GVC gross output, backward", "u V̂ L L A_F B Ŷ + u V̂ L A_F B B Ŷ", WWYZB),
    "V_GVC_forward": _flow("GVC value added, forward", "V̂ L A_F B Ŷ u", WWYZB),
    "V_GVC_backward": _flow("GVC value added, backward", "u V̂ L A_F B Ŷ", WWYZB),
    "PLv": _ratio("production length, forward", "Xv", "va_total", WWYZB, units=_STAGES,
                  formula="Xv / va_total; NaN where va_total is 0"),
    "PLy": _ratio("production length, backward", "Xy", "y", WWYZB, units=_STAGES,
                  formula="Xy / y; NaN where y is 0"),
    "PLv_GVC": _ratio("GVC production length, forward", "Xv_GVC", "V_GVC_forward", WWYZB,
                      units=_STAGES, formula="Xv_GVC / V_GVC_forward"),
    "PLy_GVC": _ratio("GVC production length, backward", "Xy_GVC", "V_GVC_backward", WWYZB,
                      units=_STAGES, formula="Xy_GVC / V_GVC_backward"),
    "wwyz_position": _index("WWYZ GVC position (above 1: upstream)", "ratio",
                            "PLv_GVC / PLy_GVC", WWYZB),
    "upstreamness": _index("upstreamness", _STAGES, "x̂⁻¹ B x", ACFH),
    "downstreamness": _index("downstreamness", _STAGES, "u B", AC),
    "gvcb": _flow("backward GVC-related exports", "ddc + fc", BM, icio="GVCB", decompr="GVCB"),
    "gvcf": _flow("forward GVC-related exports", "dva - davax", BM, icio="GVCF", decompr="GVCF"),
    "gvc": _flow("GVC-related exports", "gvcb + gvcf = gexp - davax", BM,
                 icio="GVC", decompr="GVC"),
    "gvcb_share": _ratio("backward GVC-related share of gross exports", "gvcb", "gexp", BM),
    "gvcf_share": _ratio("forward GVC-related share of gross exports", "gvcf", "gexp", BM),
    "gvc_share": _ratio("GVC-related share of gross exports", "gvc", "gexp", BM),
})
_GVC["APL"] = _index("average propagation length from sector i to sector j", "steps",
                    "h_ij / (b_ij - δ_ij), H = B (B - I)", DRB)
for _side in ("forward", "backward"):
    for _part in ("", "_domestic", "_foreign"):
        _GVC[f"APL_{_side}{_part}"] = _index(
            f"average propagation length, {_side}{_part.replace('_', ', ')}", "steps",
            "Σ_j h_ij / Σ_j b_ij over j ≠ i, H = B (B - I)", DRB)

_BM = {
    "gexp": _GEXP,
    "dc": _flow("domestic content", "(V_s B_ss)_i e", BM, icio="DC", decompr="DC", tiva="EXGR_DVA"),
    "dva": _flow("domestic value added (counted once within the perspective)",
                 "(V_s B^Ω_ss)_i e", BM, icio="DVA", decompr="DVA"),
    "vax": _flow("domestic value added absorbed abroad", "dva - ref", BM,
                 icio="VAX", decompr="VAX"),
    "ref": _flow("reflected domestic value added", "(V_s B^Ω_ss)_i A_sr x^(s)_r", BM,
                 icio="REF", decompr="REF"),
    "ddc": _flow("domestic double counting", "dc - dva", BM, icio="DDC", decompr="DDC"),
    "fc": _flow("foreign content", "(Σ_{t≠s} V_t B_ts)_i e", BM,
                icio="FC", decompr="FC", tiva="EXGR_FVA"),
    "fva": _flow("foreign value added (counted once within the perspective)",
                 "(Σ_{t≠s} V_t B^Ω_ts)_i e; world: Σ_{t≠s} V_t B_ts (Y_{s*} + Σ_{r≠s} A_sr "
                 "L_rr Y_rr + A_st L_tt (Y_{t*} + Σ_{k≠t} A_tk L_kk Y_kk))",
                 BM + "; world: BM (2019) eq. (54)", icio="FVA", decompr="FVA"),
    "fdc": _flow("foreign double counting", "fc - fva", BM, icio="FDC", decompr="FDC"),
    "davax": _flow("domestic value added absorbed by the direct importer",
                   "(V_s L_ss)_i (Y_sr + A_sr L_rr Y_rr)", BM, icio="DAVAX", decompr="DAVAX"),
    "vaxim": _flow("domestic value added absorbed in the importer", "(V_s B_ss)_i (Y + paths)",
                   BM),
    "gvcb": _GVC["gvcb"], "gvcf": _GVC["gvcf"], "gvc": _GVC["gvc"],
}

_SMILE_TABLE = {
    "va": _flow("value added of the country-industry in the chain", "v_j (B f)_j", MYW),
    "va_share": _ratio("share of the chain's value", "va", "chain_value", MYW),
    "position": _index("stages to the chain's product (1 = final stage)", _STAGES,
                       "v_j (B B f)_j / v_j (B f)_j", MYW),
    "va_rate": _index("value added per unit of gross output", "fraction", "(x_j - Σ_i Z_ij) / x_j: the industry's own value added per unit of its gross output", MYW),
    "chain_value": _flow("value of the chain's product", "Σ f", MYW),
}

_TABLE = {
    "output": _flow("gross output", "x"),
    "value_added": _flow("value added", "x - u Z"),
    "exports": _flow("gross exports by destination", "Z^{sr} u + Y^{sr}, r ≠ s"),
    "final_use": _flow("final use by destination", "Y^{sr}"),
    "intermediate_use": _flow("intermediate sales by using country", "Z^{sr} u"),
    "output_share": _index("group's share of the country's output", "fraction",
                           "output (group) / output (all sectors)"),
    "value_added_share": _index("group's share of the country's value added", "fraction",
                                "value_added (group) / value_added (all sectors)"),
    "exports_share": _index("group's share of the country's exports", "fraction",
                            "exports (group) / exports (all sectors)"),
    "DVA_group_share": _index("group's share of the exporter's DVA over all sectors",
                              "fraction", "Σ_r DVA (group) / Σ_{r, sectors} DVA"),
    "DVA_importer_share": _index("share of the group's DVA absorbed in each importer",
                                 "fraction", "DVA / Σ_r DVA"),
}

_NEW = {
    "gvc_income": _flow("GVC income: value added in the world's final products of the chosen "
                        "industries", "Σ_{i∈s} v_i (B y_M)_i, y_M final output of the industries",
                        TIMMER),
    "gvc_income_share": _ratio("share of world GVC income", "gvc_income", "world_final_output",
                               TIMMER),
    "world_final_output": _flow("world final output of the chosen industries", "u y_M", TIMMER),
    "chain_final_output": _flow("final output of the product chain", "y_(s,j)", LTV),
    "chain_domestic_va": _flow("value added of the completing country in the chain",
                         "Σ_{i∈s} v_i B_{i,(s,j)} y_(s,j)", LTV),
    "chain_fva_within": _flow("foreign value added from the same region", "Σ_{t≠s, t∈R(s)} Σ_{i∈t} "
                        "v_i B_{i,(s,j)} y_(s,j)", LTV),
    "chain_fva_outside": _flow("foreign value added from outside the region", "Σ_{t∉R(s)} Σ_{i∈t} "
                         "v_i B_{i,(s,j)} y_(s,j)", LTV),
    "chain_fva": _flow("foreign value added in the chain", "chain_fva_within + chain_fva_outside", LTV),
    "chain_fva_share": _ratio("foreign value-added share of the chain's final output", "chain_fva",
                        "chain_final_output", LTV),
    "chain_fva_within_share": _ratio("within-region foreign value-added share", "chain_fva_within",
                               "chain_final_output", LTV),
    "chain_fva_outside_share": _ratio("outside-region foreign value-added share", "chain_fva_outside",
                                "chain_final_output", LTV),
    "va_absorbed": _flow("value added absorbed in the chosen final-demand categories",
                         "v̂ B Y_K by destination", JN),
}

#: Registry: method -> {variable: Var}; ``None`` holds the generic meanings.
VARIABLES: dict[str | None, dict[str, Var]] = {
    None: {"gexp": _GEXP, "gap": _GAP, **_SUMMARY, **_TIVA, **_GVC, **_TABLE, **_NEW},
    "wwz": {k: _flow(d, f, WWZ, decompr=k) for k, (d, f) in _WWZ_TERMS.items()},
    "kww": {k: _flow(d, "KWW (2014) eq. (36)", KWW, decompr=k) for k, d in _KWW_TERMS.items()},
    "bm": _BM,
    "leontief": {
        "va_origin": _flow("value added by source country-industry in each flow",
                           "v_j B_ji f_i", HIY, decompr="leontief"),
        "dc": _BM["dc"],  # V^s B^{ss} E^{sr}: the same measure as Borin–Mancini's dc
        "fc": _BM["fc"],
        "va_destination": _flow("value added by origin and country of final use",
                                "v_j Σ_i B_ji Y_ir", JN),
    },
    "smile_curve": _SMILE_TABLE,
}
VARIABLES["kww (aggregated from wwz)"] = VARIABLES["kww"]

#: The only names with two meanings: codes KWW (2014) and WWZ (2013) both use, as R decompr
#: does, for different sums of terms. Each method's own registry entry describes its measure.
REUSED_CODES = {
    "DVA_INT": "KWW's is WWZ's DVA_INT + DVA_INTrexI1",
    "RDV_FIN": "KWW's is WWZ's RDV_FIN + RDV_FIN2",
}


def meanings(name: str) -> dict[Var, list]:
    """Every distinct registry entry named ``name``, with the sections (methods) that hold it.

    More than one entry is legitimate when the entries describe the same measure
    for different methods' tables (KWW's and WWZ's ``DVA_FIN``) or when
    ``name`` is in :data:`REUSED_CODES`; tests/test_vocabulary.py checks which.
    """
    out: dict[Var, list] = {}
    for method, section in VARIABLES.items():
        if name in section:
            out.setdefault(section[name], []).append(method)
    return out


def lookup(name: str, method: str | None = None) -> Var | None:
    """The registry entry of ``name`` as returned by ``method`` (None if unknown)."""
    own = VARIABLES.get(method, {})
    return own.get(name) or VARIABLES[None].get(name)


#: Borin–Mancini perspectives -> the dimensions their perimeters split. A term other
#: than gexp, dc and fc is counted once within a perimeter, so its sum over perimeters
#: is not the term of their union (methods/bm.py): it may not be summed over these.
BM_PERIMETER_DIMS = {
    "exporter": (),
    "sector": ("sector",),
    "bilateral": ("importer",),
    "sectoral-bilateral": ("sector", "importer"),
}
BM_ANY_PERSPECTIVE = ("gexp", "dc", "fc")


def not_additive_over(name: str, attrs: Mapping, dim: str) -> str | None:
    """Why variable ``name`` of a result with ``attrs`` may not be summed over ``dim``
    though the glossary calls it additive (None when it may): a Borin–Mancini term
    counted once per perimeter, when ``dim`` splits the perimeters of the result's
    ``option_perspective`` or that attribute names no one perspective (years of
    different perspectives joined list each year's)."""
    if attrs.get("method") != "bm" or name in BM_ANY_PERSPECTIVE:
        return None
    perspective = str(attrs.get("option_perspective", "exporter"))
    if perspective not in BM_PERIMETER_DIMS and perspective != "world":
        # e.g. "2000: sector; 2001: exporter", years of different perspectives joined
        return (
            f'of perspective "{perspective}", not one of {", ".join(BM_PERIMETER_DIMS)}: '
            f"its perimeters are unknown, so it is not summed over {dim}s"
        )
    if dim not in BM_PERIMETER_DIMS.get(perspective, ()):
        return None
    return (
        f'counted once per perimeter of perspective "{perspective}", which splits '
        f"{dim}s: its sum over {dim}s is not the term of their union (only "
        f"{', '.join(BM_ANY_PERSPECTIVE)} add up; decompose with perspective=\"exporter\")"
    )


#: method -> {former name: current name}: a result saved before a rename (gd.load_result)
#: would otherwise be read under the other measure that now owns the old name.
RENAMED = {"leontief": {"DVA": "dc", "FVA": "fc"}}


def describe(ds: xr.Dataset, units: str | None = None) -> xr.Dataset:
    """Write ``long_name``, ``units`` and ``description`` on every registered variable.

    The method is read from ``ds.attrs["method"]``; flows get ``units`` (default
    the table's, ``ds.attrs["units"]``). Modifies and returns ``ds``. A variable
    under a former name of its method (:data:`RENAMED`, e.g. an old Leontief
    result's ``DVA``, now ``dc``) is an :class:`~gvcdecomp.errors.OptionError`.
    """
    method = ds.attrs.get("method")
    old = {k: v for k, v in RENAMED.get(method, {}).items() if k in ds.data_vars}
    if old:
        raise OptionError(
            f"a {method} result with {', '.join(old)}: former names of "
            f"{', '.join(old.values())} (another measure now has the old name); "
            f"rename first: ds.rename({', '.join(f'{k}={v!r}' for k, v in old.items())})"
        )
    table_units = units or ds.attrs.get("table_units") or ds.attrs.get("units", TABLE_UNITS)
    for name in ds.data_vars:
        var = lookup(str(name), method)
        if var is None:
            continue
        ds[name].attrs.update(
            long_name=var.long_name,
            units=table_units if var.units == TABLE_UNITS else var.units,
            description=var.formula + (f" [{var.reference}]" if var.reference else ""),
        )
    return ds


# -- option spellings of R decompr and Stata icio -------------------------------------
#: option -> {their spelling: ours}; used by decompose and the indicators.
OPTION_ALIASES = {
    "post": {"final_demand": "final", "final demand": "final"},  # R decompr
    "perspective": {  # Stata icio
        "sectexp": "sector",
        "sectbil": "sectoral-bilateral",
        "sectoral_bilateral": "sectoral-bilateral",
        "exp": "exporter",
        "bil": "bilateral",
    },
    "level": {"sectexp": "sector", "sectbil": "sectoral-bilateral",
              "sectoral_bilateral": "sectoral-bilateral",
              "country": "exporter"},  # R decompr bm(aggregation="country")
    "by": {"exporter": "country"},  # participation indices: per exporter = per country
}


def canonical_options(options: dict, accepts: dict | None = None) -> dict:
    """``options`` with every aliased value replaced by our spelling.

    ``accepts`` optionally restricts an option to its valid values after mapping
    (``{"by": ("country", "sector")}``); a value outside raises OptionError.
    """
    out = dict(options)
    for k, v in options.items():
        if isinstance(v, str) and v.lower() in OPTION_ALIASES.get(k, {}):
            out[k] = OPTION_ALIASES[k][v.lower()]
    for k, valid in (accepts or {}).items():
        if k in out and out[k] not in valid:
            aliases = [a for a in OPTION_ALIASES.get(k, {})]
            raise OptionError(
                f"{k} must be one of {', '.join(map(repr, valid))}"
                + (f" (or {', '.join(map(repr, aliases))})" if aliases else "")
                + f", got {out[k]!r}"
            )
    return out


# -- glossary ---------------------------------------------------------------------------
def glossary_markdown() -> str:
    """docs/glossary.md: every registered variable, as one table per method."""
    titles = {
        None: "Indicators, summaries and GVC measures",
        "wwz": "Wang–Wei–Zhu terms (`decompose(t, \"wwz\")`)",
        "kww": "Koopman–Wang–Wei terms (`decompose(t, \"kww\")`, `kww_from_wwz`)",
        "bm": "Borin–Mancini terms (`decompose(t, \"bm\")`)",
        "leontief": "Leontief value-added origin (`decompose(t, \"leontief\")`)",
        "smile_curve": "Smile curves (`smile_curve`)",
    }
    lines = [
        "# Glossary",
        "",
        "Every variable a gvcdecomp function returns: its meaning, formula, reference,",
        "how it aggregates, and its name in R decompr, Stata icio and OECD TiVA (— where",
        "they have none). Generated from `gvcdecomp.vocabulary.VARIABLES`; each result",
        "variable carries the same `long_name`, `units` and `description` attributes.",
        "",
        "**Three \"DVA shares\", three names.** `DVA_absorbed_abroad_share` (`wwz_summary`,",
        "`ict_slice`): WWZ terms 1–5, domestic value added absorbed abroad, over gross",
        "exports. `EXGR_DVASH` (`tiva`, `indicators.domestic_content_share`): domestic",
        "content (Hummels–Ishii–Yi, TiVA), which also counts value added that returns",
        "home and domestic double counting. Borin–Mancini's `dva / gexp` (not returned):",
        "domestic value added counted once within the chosen perspective.",
        "",
        "**Two codes, two measures.** Koopman–Wang–Wei and Wang–Wei–Zhu (and R decompr)",
        "use two term codes for different sums:",
        "; ".join(f"`{k}`: {v}" for k, v in REUSED_CODES.items()) + ".",
        "Every other name means one measure wherever it is returned: Leontief's domestic",
        "and foreign content of exports are Borin–Mancini's `dc` and `fc`, not WWZ's `DVA`",
        "and `FVA`.",
        "",
        "**Dimensions.** Anything about exports uses `exporter` / `importer` (`sector` is",
        "the exporting industry); quantities of the table itself (output, value added,",
        "final goods, positions and lengths) use `country` / `sector`; value-added",
        "origin uses `source_country` / `source_sector`; final use `destination`.",
        "",
        "**Aggregation.** *flow*: sums over countries, sectors and partners. *ratio*:",
        "recomputed from the summed numerator and denominator (`ict_slice` does this).",
        "*not aggregable*: an index or a ratio of unreported sums; `ict_slice` drops it",
        "and names it in the result's `dropped` attribute.",
        "",
        "**Option spellings.** `post=\"final_demand\"` (R decompr) means `post=\"final\"`;",
        "`perspective=\"sectexp\"` / `\"sectbil\"` (Stata icio) mean `\"sector\"` /",
        "`\"sectoral-bilateral\"`; the participation functions take `by=\"exporter\"` as",
        "`by=\"country\"`.",
        "",
    ]
    for method, title in titles.items():
        # two narrow tables rather than one of nine columns, wider than the page
        defs = ["| variable | meaning | units | formula | aggregates |", "|---|---|---|---|---|"]
        refs = ["| variable | reference | decompr | icio | TiVA |", "|---|---|---|---|---|"]
        for name, v in VARIABLES[method].items():
            defs.append(_row(f"`{name}`", v.long_name, v.units, formula_markdown(v.formula),
                             v.aggregates))
            refs.append(_row(f"`{name}`", v.reference, v.decompr or "—", v.icio or "—",
                             v.tiva or "—"))
        lines += [f"## {title}", "", *defs, "", "Where each comes from and its name elsewhere:",
                  "", *refs, ""]
    from .model import QUANTITIES

    lines += ["## The labelled model (`gvcdecomp.model.labelled(t, what)`)", "",
              "| what | meaning |", "|---|---|"]
    lines += [f"| `{k}` | {d} |" for k, d in QUANTITIES.items()]
    return "\n".join(lines) + "\n"


def _row(*cells: str) -> str:
    return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"


# the registry writes formulas in Unicode (they are also the ``description`` attribute);
# the glossary shows the ones with sub/superscripts, sums or hats as TeX for MathJax
_MATHLIKE = re.compile(r"[\^Σᵀ≠∈∉\u0302⁻]|_\{")
# prose: lowercase words, not an index such as the "sr" of "A^{sr}"
_PROSE = re.compile(r"(?<![\\\w{^_])[a-z][a-z'-]+(?: [a-z][a-z'-]+)*(?![\w{^_])")
# a variable name: two characters or more, with a capital, a digit or an underscore
_NAME = re.compile(r"(?<![\\\w])(?=\w*[A-Z0-9_])[A-Za-z][A-Za-z0-9]+(?:_[A-Za-z0-9]+)*(?![\w{])")
_SCRIPT = re.compile(r"(?<!\\)([_^])([A-Za-z0-9]{2,}|\([^()]*\))")
_SYMBOLS = {"Σ": r"\sum ", "≠": r"\neq ", "∈": r"\in ", "∉": r"\notin ", "ᵀ": r"^\top ",
            "⁻¹": "^{-1}", "#": r"\mathbin{\#}", "δ": r"\delta ", "Ω": r"\Omega "}


def formula_markdown(formula: str) -> str:
    """A registry formula for the glossary: arithmatex ``$...$`` TeX when it is math-like.

    Words become ``\\text`` (prose) or ``\\mathrm`` (variable names such as
    ``DVA_FIN``), multi-character sub- and superscripts get braces and the Unicode
    symbols their TeX commands; anything else (``(DVA) / (gexp)``) stays code.
    """
    # Ŷ -> Y + combining hat, as v̂ is written (not all of NFD: ≠ would become = + slash)
    text = "".join(h if (h := unicodedata.normalize("NFD", c)).endswith("\u0302") else c
                   for c in formula)
    if not _MATHLIKE.search(text):
        return f"`{formula}`"
    text = _NAME.sub(lambda m: r"\mathrm{" + m[0].replace("_", r"\_") + "}", text)
    text = _PROSE.sub(lambda m: rf"\text{{ {m[0]} }}", text)
    text = _SCRIPT.sub(lambda m: f"{m[1]}{{{m[2]}}}", text)
    text = re.sub("([A-Za-z])\u0302", r"\\hat{\1}", text)
    for symbol, tex in _SYMBOLS.items():
        text = text.replace(symbol, tex)
    return f"${text.strip()}$"
