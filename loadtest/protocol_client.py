"""A minimal Streamlit client speaking the browser's websocket protocol: it sends BackMsg
protobufs (rerun requests with widget states) and reads ForwardMsgs until the script has
finished, so one process can play dozens of classroom sessions without dozens of browsers."""
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


@dataclass
class StreamlitSession:
    base_url: str  # http://127.0.0.1:PORT
    ws: object = None
    widget_ids: dict[str, str] = field(default_factory=dict)
    states: dict[str, WidgetState] = field(default_factory=dict)
    page: str = ""

    async def connect(self) -> None:
        ws_url = self.base_url.replace("http", "ws", 1) + "/_stcore/stream"
        self.ws = await websockets.connect(ws_url, subprotocols=["streamlit"], origin=self.base_url,
                                           max_size=None, open_timeout=30)

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()

    async def open_page(self, page: str, query: str = "") -> RunResult:
        """Navigate to a page (widget states start afresh, as in a browser)."""
        self.page, self.states = page, {}
        return await self._rerun(query)

    async def set_slider(self, key: str, value: float) -> RunResult:
        return await self._set(key, WidgetState(double_array_value=DoubleArray(data=[value])))

    async def set_text(self, key: str, value: str) -> RunResult:
        return await self._set(key, WidgetState(string_value=value))

    async def _set(self, key: str, state: WidgetState) -> RunResult:
        widget_id = next(i for k, i in self.widget_ids.items() if k == key)
        state.id = widget_id
        self.states[widget_id] = state
        return await self._rerun()

    async def _rerun(self, query: str = "") -> RunResult:
        msg = BackMsg()
        msg.rerun_script.query_string = query
        msg.rerun_script.page_name = self.page
        msg.rerun_script.widget_states.widgets.extend(self.states.values())
        start = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        exceptions = []
        while True:
            fwd = ForwardMsg()
            fwd.ParseFromString(await self.ws.recv())
            kind = fwd.WhichOneof("type")
            if kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                element = fwd.delta.new_element
                etype = element.WhichOneof("type")
                if etype == "exception":
                    exceptions.append(element.exception.message)
                widget_id = getattr(getattr(element, etype), "id", "") if etype else ""
                if isinstance(widget_id, str) and widget_id.startswith("$$ID"):
                    self.widget_ids[widget_id.rsplit("-", 1)[-1]] = widget_id
            elif kind == "script_finished" and fwd.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                # a run that ended early for a rerun (st.rerun) is followed by the real one
                return RunResult(time.perf_counter() - start, exceptions, dict(self.widget_ids))
