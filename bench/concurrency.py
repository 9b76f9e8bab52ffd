"""Does one session's forward pass hold up another's slider? On a real server, session A types a
text of 256 tokens (a full analysis) while session B moves the layer slider over its own cached
analysis; B's reruns are timed, and whether each finished before A's analysis did.

Run: .venv/bin/python -m bench.concurrency
"""
from __future__ import annotations

import asyncio
from typing import Awaitable, Callable

from loadtest.protocol_client import RunResult, StreamlitSession
from testkit.server import start_streamlit

Act = Callable[[StreamlitSession], Awaitable[RunResult]]  # what session A does

TARGET_MS = 200.0
ANIMALS = ["fox", "hen", "owl", "cat", "dog", "elk", "bee", "ant", "yak", "emu"]
LONG_TEXT = " ".join(f"Sentence {i} tells how the {w} crossed the old bridge at dawn." for i, w in enumerate(ANIMALS * 3))


async def _slides_during(url: str, act: Act, prepare: Act | None, slides: int) -> dict:
    a, b = StreamlitSession(url), StreamlitSession(url)
    await a.connect()
    await b.connect()
    try:
        if prepare is not None:
            await prepare(a)
        await b.open_page("kv_memory")
        await b.set_slider("kv.layer", 3)  # B's analysis and first layer are cached
        task = asyncio.create_task(act(a))
        await asyncio.sleep(0.1)  # A's rerun has started
        reruns, errors = [], []
        for layer in range(4, 4 + slides):
            result = await b.set_slider("kv.layer", layer)
            reruns.append({"ms": result.seconds * 1000, "during": not task.done()})
            errors += result.exceptions
        done = await task
        return {"seconds": done.seconds, "reruns": reruns, "errors": errors + done.exceptions}
    finally:
        await a.close()
        await b.close()


def slides_during(act: Act, prepare: Act | None = None, slides: int = 7) -> dict:
    """On a fresh server, session B moves the key-value page's layer slider over its own cached
    analysis while session A does `act` (after `prepare`, untimed): how long A's act took, B's
    reruns timed and whether each finished during it, and any exceptions."""
    proc, url = start_streamlit()
    try:
        return asyncio.run(_slides_during(url, act, prepare, slides))
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def main() -> dict:
    result = slides_during(lambda a: a.set_text("kv.text", LONG_TEXT), prepare=lambda a: a.open_page("kv_memory"))
    during = [r["ms"] for r in result["reruns"] if r["during"]]
    worst = max(during) if during else float("nan")
    print(f"Slider reruns while another session analyses 256 tokens ({result['seconds'] * 1000:.0f} ms): "
          f"{len(during)} of {len(result['reruns'])} finished during it, the slowest in {worst:.0f} ms "
          f"(target ≤ {TARGET_MS:.0f})   {'ok' if during and worst <= TARGET_MS else 'MISSED'}"
          + (f"; errors: {result['errors']}" if result["errors"] else ""))
    return result


if __name__ == "__main__":
    main()
