"""Page-script threads run at a lower priority; what starts in the base thread keeps the process's."""
import subprocess
import sys
import threading

from serving.script_slots import ScriptSlots
from serving.priority import base, base_niceness, lower_this_thread, niceness


def in_thread(fn):
    out = []
    t = threading.Thread(target=lambda: out.append(fn()))
    t.start()
    t.join(30)
    return out[0]


def test_a_thread_lowers_only_its_own_priority_and_never_raises_it():
    start = niceness()

    def lowered():
        lower_this_thread(start + 3)
        first = niceness()
        lower_this_thread(start + 1)  # asking for more priority back is a no-op
        return first, niceness()

    assert in_thread(lowered) == (start + 3, start + 3)
    assert niceness() == start  # the calling thread is untouched


def test_a_process_started_through_the_base_thread_keeps_the_process_priority():
    start = base_niceness()

    def script():
        lower_this_thread(start + 5)
        child = base().submit(subprocess.Popen, [sys.executable, "-c", "import os; print(os.nice(0))"],
                            stdout=subprocess.PIPE, text=True).result()
        direct = subprocess.Popen([sys.executable, "-c", "import os; print(os.nice(0))"], stdout=subprocess.PIPE, text=True)
        return int(child.communicate()[0]), int(direct.communicate()[0])

    assert in_thread(script) == (start, start + 5)


def test_a_script_holding_a_slot_runs_at_the_slots_niceness():
    start = niceness()

    def script(slots):
        with slots.held():
            return niceness()

    assert in_thread(lambda: script(ScriptSlots(1, niceness=start + 5))) == start + 5
    assert in_thread(lambda: script(ScriptSlots(1))) == start  # by default unchanged
