"""Parameter budget: where a model's parameters and FLOPs go, to the parameter."""
import streamlit as st

from components.architectures import views
from components.architectures.controls import FIELDS, PARAMS, PRESET_PARAM, config_from, modified_fields, preset_values
from components.shared import glossary as gloss
from components.shared import predict, url_state
from components.shared.tables import shape_table, table
from components.shared.widgets import page_start, plot
from model.architectures import accounting
from model.architectures.families import ffn_label
from model.architectures.presets import PRESETS, PUBLISHED_TOTALS
from model.architectures import prose_facts
from model.ffn.activations import ACTIVATIONS
from model.util.formatting import bytes_, si

PAGE = "budget"
k = page_start(
    PAGE, "Parameter budget",
    "Pick a published model or build your own. Every number below is counted tensor by tensor from "
    "the configuration, and checked against a real PyTorch model built from it.",
    weights="analytic",
)
url_state.restore(PAGE, [PRESET_PARAM])
url_state.restore(PAGE, FIELDS, defaults=preset_values(url_state.value(PAGE, "preset")))


def load_preset() -> None:
    url_state.set_values(PAGE, preset_values(st.session_state[k("preset")]))


def set_d_ff(value: int) -> None:
    url_state.set_values(PAGE, {"d_ff": max(1, value)})


st.selectbox("Start from a published model", list(PRESETS), format_func=lambda p: PRESETS[p].name,
             key=k("preset"), on_change=load_preset)
cols = st.columns(5)
cols[0].number_input("d_model", 8, 16384, step=64, key=k("d_model"), help=gloss.help_in("d_model"))
cols[1].number_input("d_ff", 1, 65536, step=64, key=k("d_ff"), help=gloss.help_in("d_ff"))
cols[2].selectbox("FFN kind", ["dense", "gated", "moe"], key=k("ffn"),
                  format_func={"dense": "dense (2 matrices)", "gated": "gated (3 matrices)",
                               "moe": "Mixture of Experts (gated)"}.get, help=gloss.help_in("FFN kind"))
cols[3].selectbox("Activation", list(ACTIVATIONS), format_func=lambda a: ACTIVATIONS[a].label,
                  key=k("activation"), help=gloss.help_in("Activation"))
cols[4].number_input("Layers", 1, 256, key=k("n_layers"))
cols = st.columns(5)
cols[0].number_input("Attention heads", 1, 256, key=k("n_heads"), help=gloss.help_in("Attention heads"))
cols[1].number_input("Key/value heads", 1, 256, key=k("n_kv_heads"),
                     help=gloss.help_in("Key/value heads", "Fewer than heads = grouped-query attention."))
cols[2].number_input("Vocabulary", 1, 1_000_000, key=k("vocab"), help=gloss.help_in("Vocabulary"))
cols[3].number_input("Learned positions", 0, 1_048_576, key=k("context"), help="0 = rotary (RoPE): no parameters.")
cols[4].selectbox("LM head", ["tied", "untied", "none"], key=k("head"),
                  help=gloss.help_in("LM head", "Tied reuses the token embedding matrix; 'none' is an encoder like BERT."))
cols = st.columns(5)
cols[0].selectbox("Norm", ["layernorm", "rmsnorm"], key=k("norm"),
                  format_func={"layernorm": "LayerNorm (weight + bias)", "rmsnorm": "RMSNorm (weight)"}.get,
                  help=gloss.help_in("Norm"))
cols[1].toggle("Biases in linear layers", key=k("bias"), help=gloss.help_in("Biases in linear layers"))
moe = url_state.value(PAGE, "ffn") == "moe"
cols[2].number_input("Experts", 1, 256, key=k("n_experts"), disabled=not moe, help=gloss.help_in("Experts"))
cols[3].number_input("Experts per token (top-k)", 1, 256, key=k("top_k"), disabled=not moe,
                     help=gloss.help_in("Experts per token (top-k)"))
cols[4].number_input("Context for FLOPs", 1, 1_048_576, key=k("seq"),
                     help=gloss.help_in("Context for FLOPs", "Positions each token attends to."))

values = url_state.values(PAGE, FIELDS)
preset = url_state.value(PAGE, "preset")
d_model, d_ff = values["d_model"], values["d_ff"]
gated = values["ffn"] != "dense"
ratio_cols = st.columns([3, 1, 1, 1])
ratio_cols[0].markdown(gloss.mark(f"**d_ff / d_model = {d_ff / d_model:.3f}** — 4× in GPT-2 and BERT; LLaMA's gated "
                                  f"FFN uses ≈ 8/3× so its three matrices cost what two did at 4×. A choice, not a "
                                  f"rule: the gated presets use {prose_facts.gated_ratios()}."), unsafe_allow_html=True)
ratio_cols[1].button("4×", key=k("btn_4x"), on_click=set_d_ff, args=(4 * d_model,), width="stretch")
ratio_cols[2].button("8/3×", key=k("btn_83"), on_click=set_d_ff, args=(accounting.parameter_matched_d_ff(d_model),),
                     width="stretch")
ratio_cols[3].button("LLaMA rounding", key=k("btn_llama"), on_click=set_d_ff, args=(accounting.llama_d_ff(d_model),),
                     width="stretch", help="2/3·4·d_model rounded up to a multiple of 256.")



def shares(b: accounting.Budget, block_pie, model_pie) -> None:
    """The FFN's share of the block and of the model, as metrics and pie charts."""
    m = st.columns(2)
    m[0].metric("FFN share of all", f"{b.ffn_share:.1%}", help=gloss.help_in("FFN share of all"))
    m[1].metric("FFN share, non-embedding", f"{b.ffn_share_non_embedding:.1%}",
                help=gloss.help_in("FFN share, non-embedding"))
    left, right = st.columns(2)
    with left:
        plot(block_pie, f"Pie chart of one block's parameters: "
                        + ", ".join(f"{group} {n:,}" for group, n in b.block.items() if n)
                        + f"; the FFN is {b.block['ffn'] / sum(b.block.values()):.1%} of it.")
    with right:
        plot(model_pie, "Pie chart of the whole model's parameters: "
                        + ", ".join(f"{group} {n:,}" for group, n in b.by_group.items() if n)
                        + f"; the FFN is {b.ffn_share:.1%} of them.")


cfg = config_from(preset, values)
problems = cfg.problems()
if problems:
    st.error("This configuration cannot be built: " + "; ".join(problems) + ".")
else:
    b, rows, flops, torch_total, (block_pie, model_pie, flops_bar) = views.budget_view(cfg, values["seq"])
    changed = modified_fields(preset, values)
    name = PRESETS[preset].name + (f" (modified: {', '.join(changed)})" if changed else "")
    gloss.header(name)
    m = st.columns(3)
    m[0].metric("Total parameters", si(b.total), help=gloss.help_in("Total parameters", f"{b.total:,} exactly"))
    m[1].metric("Active per token", si(b.active),
                help=f"{b.active:,} exactly. Differs from the total only for Mixture of Experts.")
    m[2].metric("Forward FLOPs / token", si(sum(flops.values())), help=gloss.help_in("Forward FLOPs / token"))
    if not changed:
        published, active = PUBLISHED_TOTALS[preset]
        ok = (b.total, b.active) == (published, active)
        (st.success if ok else st.error)(
            f"Published total: {published:,}" + (f" ({active:,} active)" if active != published else "")
            + (" — matched to the parameter." if ok else " — MISMATCH."))
    # the FFN's shares answer the page's two predictions (GPT-2 small's, the default): asked in turn
    if predict.ask("budget-ffn-share") and predict.ask("tour-ffn-share"):
        shares(b, block_pie, model_pie)

    widths = accounting.dense_vs_gated(d_model)
    gloss.markdown(
        f"**Parameter-matched widths for d_model = {d_model}:** a dense 4× FFN has "
        f"{widths['dense'].params:,} parameters; a gated FFN ({ffn_label(cfg) if gated else 'e.g. SwiGLU'}) with "
        f"d_ff = {widths['gated'].d_ff:,} (8/3 · d_model) has "
        f"{widths['gated'].params:,}; LLaMA rounds up to "
        f"{widths['llama'].d_ff:,}. " + views.BIAS_RULE)

    left, right = st.columns([3, 2])
    with left:
        plot(flops_bar, f"Bars of the forward FLOPs for one token with {values['seq']:,} positions of context: "
                        + ", ".join(f"{part} {si(n)}" for part, n in flops.items() if n) + ".")
    with right:
        gloss.markdown("**Weight memory**")
        table({"precision": list(accounting.BYTES_PER_PARAM),
               "all weights": [bytes_(x) for x in accounting.weight_memory(b.total).values()],
               "FFN weights": [bytes_(x) for x in accounting.weight_memory(b.by_group["ffn"]).values()]})

    with st.expander("Every tensor: shape and count", expanded=False):
        table({
            "group": [r.group for r in rows], "tensor": [r.name for r in rows],
            "shape": [" × ".join(map(str, r.shape)) for r in rows], "each": [r.size for r in rows],
            "copies": [r.copies for r in rows], "total": [r.total for r in rows],
            "active copies": [r.active_copies for r in rows]})

    (st.success if torch_total == b.total else st.error)(
        f"PyTorch check: the modules built from this config hold sum(p.numel()) = {torch_total:,} "
        + ("— identical to the count above." if torch_total == b.total else "— DIFFERENT from the count above."))
    block_params = sum(b.block.values())
    if block_params <= views.LIVE_BLOCK_LIMIT:
        gloss.markdown("**One block with random weights, run on a (batch=2, seq=8, d_model) input**")
        walk = views.shape_walk(cfg)
        shape_table(walk)
    else:
        gloss.caption(f"One block has {block_params:,} parameters, more than we allocate for a live run "
                      f"({views.LIVE_BLOCK_LIMIT:,}); the counts above are exact and checked on PyTorch's "
                      "meta device, which has shapes but no storage.")

@st.fragment
def count_a_file() -> None:
    """A file's own tensors against the formulas (a fragment: choosing a file reruns only this; its
    choice is not part of the URL)."""
    with st.expander("Count a real model file: do these formulas fit its own tensors?"):
        files = views.countable_models()
        st.selectbox("Model file", [None, *files], format_func=lambda key: "choose one" if key is None else files[key],
                     key=k("count_file"), help="The bundled model, or a GGUF file this server lists in $FFNLAB_MODELS.")
        chosen = st.session_state[k("count_file")]
        result = views.file_count(chosen) if chosen else None
        if isinstance(result, str):
            st.error(result)
        elif result is not None:
            file_cfg, checks = result
            fits = all(ours == theirs for _, ours, theirs in checks)
            total = sum(theirs for _, _, theirs in checks)
            shape = (f"{file_cfg.name} ({file_cfg.n_layers} layers, d_model {file_cfg.d_model}, d_ff {file_cfg.d_ff}, "
                     f"{file_cfg.ffn_kind} FFN, as its metadata states)")
            if fits:
                st.success(f"{shape}: this page's formulas count every one of its {len(checks)} kinds of tensor exactly, "
                           f"{total:,} parameters in all.")
            else:
                st.error(f"{shape}: {sum(ours != theirs for _, ours, theirs in checks)} kinds of tensor differ from this "
                         "page's formulas (marked ✗ below).")
            table({"tensor": [p for p, _, _ in checks], "formula": [ours for _, ours, _ in checks],
                   "in the file": [theirs for _, _, theirs in checks],
                   "": ["✓" if ours == theirs else "✗" for _, ours, theirs in checks]})


count_a_file()
url_state.publish(PAGE, PARAMS)
