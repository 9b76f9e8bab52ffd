"""Mixture of Experts: a router sends each token to top_k of n_experts FFNs."""
import streamlit as st

from components.concepts import views as concept_views
from components.shared import glossary as gloss
from components.shared import predict, url_state
from components.shared.params import NumberParam, TextParam
from components.shared.tables import table
from components.shared.widgets import page_start, plot
from model.architectures import accounting
from model.architectures.presets import PRESETS
from model.demos.moe_designs import deepseek_moe_16b, mixtral_variants
from model.demos.moe_routing import SENTENCE
from model.util.formatting import si

PAGE = "moe"
PARAMS = [TextParam("sentence", SENTENCE, max_chars=300), NumberParam("n_experts", 8, lo=2, hi=32),
          NumberParam("top_k", 2, lo=1, hi=32)]
k = page_start(
    PAGE, "Mixture of Experts",
    "Mixtral and its relatives keep several FFNs (“experts”) in every block. A small linear router "
    "scores them for each token, and only the top-k run; their outputs are mixed with the router's "
    "renormalised weights. Parameters grow with the number of experts, compute per token with k.",
    weights="random", params=PARAMS,
)
st.text_input("Sentence (one token per word here)", key=k("sentence"), max_chars=300,
              help=gloss.help_in("Sentence (one token per word here)"))
c = st.columns(2)
c[0].slider("Experts", 2, 32, key=k("n_experts"), help=gloss.help_in("Experts"))
n_experts = url_state.value(PAGE, "n_experts")
if url_state.value(PAGE, "top_k") > n_experts:
    url_state.set_values(PAGE, {"top_k": n_experts})
c[1].slider("Experts per token (top-k)", 1, n_experts, key=k("top_k"), help=gloss.help_in("Experts per token (top-k)"))
v = url_state.values(PAGE, PARAMS)
routing, heatmap, load = concept_views.moe_view(v["sentence"].strip() or SENTENCE, v["n_experts"], v["top_k"])
left, right = st.columns([3, 2])
with left:
    plot(heatmap, f"Heat map: the router's probability for each of the {len(routing.tokens)} words (rows) and "
                  f"{v['n_experts']} experts (columns), with a cross on the top-{v['top_k']} experts each word is sent to.")
with right:
    plot(load, f"Bars: how many word slots each of the {v['n_experts']} experts received, from "
               f"{int(routing.load.min())} to {int(routing.load.max())}.")
    st.metric("Routed token slots", f"{int(routing.load.sum())} = {len(routing.tokens)} tokens × {v['top_k']}",
              help=gloss.help_in("Routed token slots"))
gloss.caption("Random router and word vectors: the assignments illustrate the mechanism, not what a trained "
              "router learns (trained routers also get a load-balancing loss so no expert starves).")


def parameters() -> None:
    """Total against active parameters, Mixtral's and for the sliders' setting, and the later designs:
    drawn once the prediction is answered."""
    gloss.header("Total vs active parameters")
    v = url_state.values(PAGE, PARAMS)
    mix = PRESETS["mixtral-8x7b"]
    b = accounting.budget(mix)
    this = accounting.budget(mix.with_(n_experts=v["n_experts"], top_k=v["top_k"]))
    table({"model": ["Mixtral-8x7B (8 experts, top-2)", f"Mixtral-shaped, {v['n_experts']} experts, top-{v['top_k']}"],
           "total": [f"{b.total:,}", f"{this.total:,}"], "active per token": [f"{b.active:,}", f"{this.active:,}"],
           "active share": [f"{b.active / b.total:.1%}", f"{this.active / this.total:.1%}"]})
    gloss.caption(f"Mixtral's token uses {si(b.active)} of {si(b.total)} parameters: attention, embeddings and norms "
                  "are shared; only the FFN is split into experts.")

    gloss.header("Top-1 routing and fine-grained experts")
    gloss.markdown("Two later designs change how experts are chosen and cut. The **Switch Transformer** (Fedus, Zoph and Shazeer "
                   "2022, *JMLR*) sends each token to a single expert, top-1, which halves the expert work of top-2. "
                   "**DeepSeekMoE** (Dai et al. 2024, *ACL*) cuts every expert into several narrower ones and makes a few "
                   "of them *shared*: every token uses those, and the router picks the rest. With the same parameters "
                   "and the same width per token, the router then chooses among far more combinations. Counted with the "
                   "budget page's accounting:")
    designs = [*mixtral_variants(), deepseek_moe_16b()]
    table({"design": [d.name for d in designs], "expert width": [d.expert_d_ff for d in designs],
           "width per token": [d.width_per_token for d in designs], "sets of experts": [d.combinations for d in designs],
           "total": [d.total for d in designs], "active per token": [d.active for d in designs],
           "active": [f"{d.active / d.total:.1%}" for d in designs]})
    mixtral, switch, fine, deepseek = designs
    gloss.caption(f"The first three rows are Mixtral-8x7B's shape. Top-1 runs {si(switch.active)} of {si(switch.total)} "
                  f"parameters per token instead of {si(mixtral.active)}. The fine-grained row cuts each expert into 4 of "
                  f"width {fine.expert_d_ff:,}: {fine.shared} shared plus top-{fine.chosen} of {fine.routed} give a token the "
                  f"same width as Mixtral's top-2 ({fine.width_per_token:,}), from {fine.combinations:,} possible sets of "
                  f"routed experts instead of {mixtral.combinations}. DeepSeekMoE 16B's row is its released configuration "
                  f"(first layer dense, then 64 routed experts, top-6, and 2 shared per layer): {si(deepseek.total)} in all, "
                  f"{si(deepseek.active)} per token, the 16.4B and 2.8B its authors report.")


if predict.ask("moe-active-share"):
    parameters()
url_state.publish(PAGE, PARAMS)
