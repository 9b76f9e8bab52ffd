"""A minimal Streamlit client speaking the browser's websocket protocol: it sends BackMsg
protobufs (rerun requests with widget states) and reads ForwardMsgs until the script has
finished, so one process can play dozens of classroom sessions without dozens of browsers. As a
browser does, a change to a widget inside an st.fragment asks for a rerun of that fragment only."""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.Common_pb2 import DoubleArray
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState


@dataclass
class RunResult:
    seconds: float
    exceptions: list[str]
    widget_ids: dict[str, str]  # widget key -> element id
    elements: list[str] = field(default_factory=list)  # the type of every element the run sent
    texts: list[str] = field(default_factory=list)  # the markdown, headings, metrics and alerts it sent
    query_string: str | None = None  # the URL's query as the run last set it (None: unchanged)
    fragment: bool = False  # it was a fragment rerun
    seen_at: float | None = None  # seconds until a text containing `until` arrived (None: it did not)
    fragment_ids: set[str] = field(default_factory=set)  # the fragments whose elements the run sent
    text_fragments: dict[str, str] = field(default_factory=dict)  # text -> the fragment that sent it ('' if none)


@dataclass
class StreamlitSession:
    base_url: str  # http://127.0.0.1:PORT
    ws: object = None
    widget_ids: dict[str, str] = field(default_factory=dict)
    states: dict[str, WidgetState] = field(default_factory=dict)
    fragments: dict[str, str] = field(default_factory=dict)  # widget key -> the fragment it is in ('' if none)
    intervals: dict[str, float] = field(default_factory=dict)  # fragment -> its run_every (s), as a browser's timers
    page: str = ""
    page_hash: str = ""  # the page the server last ran, sent back on every rerun as a browser does
    keep_query: bool = False  # send the URL's query back on every rerun, as a browser does
    query: str = ""

    async def connect(self) -> None:
        ws_url = self.base_url.replace("http", "ws", 1) + "/_stcore/stream"
        self.ws = await websockets.connect(ws_url, subprotocols=["streamlit"], origin=self.base_url,
                                           max_size=None, open_timeout=30)

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()

    async def open_page(self, page: str, query: str = "") -> RunResult:
        """Navigate to a page (widget states start afresh, as in a browser)."""
        self.page, self.page_hash, self.states, self.query = page, "", {}, query
        return await self._rerun(query)

    async def set_slider(self, key: str, value: float) -> RunResult:
        return await self._set(key, WidgetState(double_array_value=DoubleArray(data=[value])))

    async def set_text(self, key: str, value: str) -> RunResult:
        return await self._set(key, WidgetState(string_value=value))

    async def submit_number(self, key: str, value: float, form: str, until: str = "") -> RunResult:
        """Type a number into a form's input and press its submit button, as one rerun (a form
        sends its widgets' values only on submit) of the fragment the form is in (the whole page if
        none), as a browser asks; `until`: time when a text containing it arrives."""
        number = WidgetState(id=self.widget_ids[key], double_value=value)
        submit = WidgetState(id=self.widget_ids[f"submit:{form}"], trigger_value=True)
        self.states[number.id] = number
        states = [*self.states.values(), submit]  # a trigger fires once, so it is not kept
        return await self._rerun(fragment=self.fragments.get(f"submit:{form}", ""), until=until,
                                 states=states)

    async def poll(self, fragment: str) -> RunResult:
        """What a browser's timer does for st.fragment(run_every=...): rerun that fragment."""
        return await self._rerun(fragment=fragment, auto=True)

    async def _set(self, key: str, state: WidgetState) -> RunResult:
        widget_id = next(i for k, i in self.widget_ids.items() if k == key)
        state.id = widget_id
        self.states[widget_id] = state
        return await self._rerun(fragment=self.fragments.get(key, ""))

    async def _rerun(self, query: str = "", fragment: str = "", until: str = "",
                     states: list[WidgetState] | None = None, auto: bool = False) -> RunResult:
        msg = BackMsg()
        msg.rerun_script.query_string = self.query if self.keep_query and not query else query
        msg.rerun_script.page_name = self.page
        msg.rerun_script.page_script_hash = self.page_hash  # an st.rerun() from a fragment reruns this page
        msg.rerun_script.is_auto_rerun = auto
        msg.rerun_script.fragment_id = fragment
        msg.rerun_script.widget_states.widgets.extend(self.states.values() if states is None else states)
        start = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        result = RunResult(0.0, [], {}, fragment=bool(fragment))
        while True:
            fwd = ForwardMsg()
            fwd.ParseFromString(await self.ws.recv())
            kind = fwd.WhichOneof("type")
            if kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                element = fwd.delta.new_element
                etype = element.WhichOneof("type")
                result.elements.append(etype or "")
                if fwd.delta.fragment_id:
                    result.fragment_ids.add(fwd.delta.fragment_id)
                if etype == "exception":
                    result.exceptions.append(element.exception.message)
                elif etype in ("markdown", "heading", "metric", "alert"):
                    body = getattr(element, etype).body
                    result.texts.append(body)
                    result.text_fragments[body] = fwd.delta.fragment_id
                    if until and result.seen_at is None and until in body:
                        result.seen_at = time.perf_counter() - start
                widget_id = getattr(getattr(element, etype), "id", "") if etype else ""
                if isinstance(widget_id, str) and widget_id.startswith("$$ID"):
                    key = widget_id.split("-", 2)[-1]  # $$ID-<hash>-<user key>; a key may hold '-'
                    if etype == "button" and element.button.form_id:
                        key = f"submit:{element.button.form_id}"
                    self.widget_ids[key], self.fragments[key] = widget_id, fwd.delta.fragment_id
            elif kind == "navigation":  # the page st.navigation ran (new_session names app.py's own hash)
                self.page_hash = fwd.navigation.page_script_hash
            elif kind == "auto_rerun":
                self.intervals[fwd.auto_rerun.fragment_id] = fwd.auto_rerun.interval
            elif kind == "stop_auto_rerun":
                for stopped in fwd.stop_auto_rerun.fragment_ids:
                    self.intervals.pop(stopped, None)
            elif kind == "page_info_changed":
                result.query_string = self.query = fwd.page_info_changed.query_string
            elif kind == "script_finished" and fwd.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                # a run that ended early for a rerun (st.rerun) is followed by the real one
                result.seconds, result.widget_ids = time.perf_counter() - start, dict(self.widget_ids)
                return result
