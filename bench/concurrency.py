"""Does one session's forward pass hold up another's slider? On a real server, session A types a
text of 256 tokens (a full analysis) while session B moves the layer slider over its own cached
analysis; B's reruns are timed, and whether each finished before A's analysis did.

Run: .venv/bin/python -m bench.concurrency
"""
from __future__ import annotations

import asyncio

from loadtest.protocol_client import StreamlitSession
from testkit.server import start_streamlit

TARGET_MS = 200.0
ANIMALS = ["fox", "hen", "owl", "cat", "dog", "elk", "bee", "ant", "yak", "emu"]
LONG_TEXT = " ".join(f"Sentence {i} tells how the {w} crossed the old bridge at dawn." for i, w in enumerate(ANIMALS * 3))


async def _measure(url: str, slides: int = 7) -> dict:
    a, b = StreamlitSession(url), StreamlitSession(url)
    await a.connect()
    await b.connect()
    try:
        await a.open_page("kv_memory")
        await b.open_page("kv_memory")
        await b.set_slider("kv.layer", 3)  # B's analysis and first layer are cached
        analysis = asyncio.create_task(a.set_text("kv.text", LONG_TEXT))
        await asyncio.sleep(0.1)  # A's rerun has started
        reruns, errors = [], []
        for layer in range(4, 4 + slides):
            result = await b.set_slider("kv.layer", layer)
            reruns.append({"ms": result.seconds * 1000, "during_analysis": not analysis.done()})
            errors += result.exceptions
        long = await analysis
        return {"analysis_s": long.seconds, "reruns": reruns, "errors": errors + long.exceptions}
    finally:
        await a.close()
        await b.close()


def main() -> dict:
    proc, url = start_streamlit()
    try:
        result = asyncio.run(_measure(url))
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    during = [r["ms"] for r in result["reruns"] if r["during_analysis"]]
    worst = max(during) if during else float("nan")
    print(f"Slider reruns while another session analyses 256 tokens ({result['analysis_s'] * 1000:.0f} ms): "
          f"{len(during)} of {len(result['reruns'])} finished during it, the slowest in {worst:.0f} ms "
          f"(target ≤ {TARGET_MS:.0f})   {'ok' if during and worst <= TARGET_MS else 'MISSED'}"
          + (f"; errors: {result['errors']}" if result["errors"] else ""))
    return result


if __name__ == "__main__":
    main()
