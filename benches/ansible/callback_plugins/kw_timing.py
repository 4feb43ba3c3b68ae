# Timing callback for the overhead benchmark: records, per host, when each task started and
# finished (time.monotonic() seconds) and writes them as JSON to $KW_TIMING_OUT at the end.
# (profile_tasks lives in the ansible.posix collection, which ansible-core does not ship.)
from __future__ import annotations

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
    name: kw_timing
    type: aggregate
    short_description: per-host task timestamps for kubewiz's benchmark
    description:
      - Writes the tasks' start times and, per host, each task's start, end and status as JSON
        to the file named by KW_TIMING_OUT.
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "kw_timing"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self.t0 = time.monotonic()
        self.tasks = []  # [name, start]
        self.starts = {}  # (host, task uuid) -> start
        self.hosts = {}  # host -> [[task name, start, end, status]]

    def _now(self):
        return time.monotonic() - self.t0

    def v2_playbook_on_task_start(self, task, is_conditional):
        self.tasks.append([task.get_name(), self._now()])

    def v2_runner_on_start(self, host, task):
        self.starts[(host.get_name(), task._uuid)] = self._now()

    def _done(self, result, status):
        host = result._host.get_name()
        task = result._task
        end = self._now()
        start = self.starts.pop((host, task._uuid), end)
        self.hosts.setdefault(host, []).append([task.get_name(), start, end, status])

    def v2_runner_on_ok(self, result):
        self._done(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._done(result, "failed")

    def v2_runner_on_unreachable(self, result):
        self._done(result, "unreachable")

    def v2_playbook_on_stats(self, stats):
        out = os.environ.get("KW_TIMING_OUT")
        if out:
            with open(out, "w") as f:
                json.dump({"wall": self._now(), "tasks": self.tasks, "hosts": self.hosts}, f)
