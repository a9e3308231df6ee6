"""When the demo's applications happen: the plan (which business type on which working day at which
window, the forced paths that put every type in every stage), times in opening hours, numbers and
the evening handover batches."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass

from counter_app.demo.hall_profile import ACCEPT_PERIODS, AM, LINE_REMARKS, OPEN_PERIODS, PM, TYPE_WEIGHTS
from counter_app.hall import catalog
from counter_app.models import (
    Application,
    HandoverBatch,
)


@dataclass(slots=True)
class Plan:
    """One application to generate, before its rows exist."""

    day: int  # index of the acceptance day in the workday table
    at: dt.datetime
    bt: str
    window: int = 0
    forced: bool = False
    subject: str | None = None
    important: bool | None = None
    durations: list[int] | None = None  # working days per stage after acceptance (forced paths)
    terminate: str | None = None  # None | "random" | "overdue"
    number: str = ""
    app_id: int = 0


@dataclass(slots=True)
class Batch:
    id: int
    number: str
    window: int
    created_at: dt.datetime
    confirmed_at: dt.datetime | None
    lines: int = 0


class Planning:
    """Part of the demo generator: planning and the calendar of the story."""

    def _plan(self) -> list[Plan]:
        rng = random.Random(f"{self.options.seed}/plan")
        forced = self._forced_plans(rng)
        n = self.options.applications
        if n < len(forced):
            forced = forced[:n]
        rest = n - len(forced)
        day_range = range(self.first_idx, self.last_idx + 1)
        weights = []
        for idx in day_range:
            day = self.days[idx]
            weight = rng.uniform(0.75, 1.25) * (1.25 if day.weekday() == 0 else 1.0)
            if idx > 0 and (day - self.days[idx - 1]).days > 3:  # first day after a holiday
                weight *= 1.4
            if day == self.today:
                weight *= self._share_of_day_elapsed()
            weights.append(weight)
        counts = _apportion(rest, weights)
        types = list(TYPE_WEIGHTS)
        type_weights = [TYPE_WEIGHTS[t] for t in types]
        plans = list(forced)
        for idx, count in zip(day_range, counts, strict=True):
            for _ in range(count):
                bt = rng.choices(types, type_weights)[0]
                plans.append(Plan(day=idx, at=self._accept_time(rng, idx), bt=bt))
        for plan in plans:
            if not plan.forced:
                plan.terminate = "random" if (plan.day < self.last_idx - 1 and rng.random() < 0.02) else None
            plan.window = self._window_for(plan.bt, rng)
        plans.sort(key=lambda p: (p.at, p.window))
        return plans

    def _share_of_day_elapsed(self) -> float:
        seconds = self.now.hour * 3600 + self.now.minute * 60
        total = sum(b - a for a, b in ACCEPT_PERIODS)
        done = sum(max(0, min(b, seconds) - a) for a, b in ACCEPT_PERIODS)
        return max(done / total, 0.0)

    def _forced_plans(self, rng: random.Random) -> list[Plan]:
        """Every business type in every stage (and terminated), whatever N and the dice say."""
        by_stage: dict[int, list[Plan]] = defaultdict(list)
        for bt in self.catalog.business_types.values():
            for position, stage in enumerate(bt.stages):
                important = stage.code in bt.important_only or None
                by_stage[position].append(self._forced_path(bt, stage.code, bool(important), rng))
            deferrable = any(m.deferrable and m.when == "later" for m in bt.materials)
            a = rng.randint(max(self.first_idx, self.last_idx - 40), max(self.first_idx, self.last_idx - 12))
            by_stage[99].append(Plan(day=a, at=self._accept_time(rng, a), bt=bt.code, forced=True,
                                     durations=[8] * 8, terminate="overdue" if deferrable else "random"))
        # round-robin over stages so that a small N still spreads over types and stages
        ordered, queues = [], [by_stage[k] for k in sorted(by_stage)]
        while any(queues):
            ordered.extend(queue.pop(0) for queue in queues if queue)
        return ordered

    def _forced_path(self, bt: catalog.BusinessType, target: str, important: bool, rng) -> Plan:
        stages = [s.code for s in bt.stages_for(important)]
        k = stages.index(target)
        if k == 0:
            return Plan(day=self.last_idx, at=self._accept_time(rng, self.last_idx), bt=bt.code, forced=True,
                        important=important)
        before = stages[1:k] if target != "archive" else stages[1:-1]
        durations = [max(1, rng.randint(1, max(1, self.limits[bt.code, s]))) for s in before]
        if target == "archive":
            elapsed = rng.randint(1, 20)
        else:
            elapsed = rng.randint(0, self.limits[bt.code, target] + 1)
        start_current = self.last_idx - elapsed
        a = min(start_current - 1 - sum(durations), self.last_idx - 2)
        a = max(a, 0)
        if target != "archive":
            start_current = a + 1 + sum(durations)
            durations.append(self.last_idx - start_current + 1 + rng.randint(0, 2))
        return Plan(day=a, at=self._accept_time(rng, a), bt=bt.code, forced=True, important=important,
                    durations=durations)

    def _accept_time(self, rng: random.Random, idx: int) -> dt.datetime:
        # a few minutes before "now" at the latest, so the documents printed after saving are past too
        return self._moment(rng, idx, periods=ACCEPT_PERIODS, cap=True, margin=300)

    def _moment(self, rng: random.Random, idx: int, *, after: dt.datetime | None = None,
                periods=OPEN_PERIODS, cap: bool = False, margin: int = 60) -> dt.datetime:
        """A time on working day ``idx`` in opening hours, after ``after``; ``margin`` seconds before
        "now" at the latest when ``cap``."""
        day = self.days[idx]
        lo = 0
        if after is not None and after.date() == day:
            lo = after.hour * 3600 + after.minute * 60 + after.second + 60
        hi = 86400
        if cap and day == self.today:
            hi = self.now.hour * 3600 + self.now.minute * 60 + self.now.second - margin
        spans = [(max(a, lo), min(b, hi)) for a, b in periods if min(b, hi) > max(a, lo)]
        if spans:
            offset = rng.randrange(sum(b - a for a, b in spans))
            for a, b in spans:
                if offset < b - a:
                    second = a + offset
                    break
                offset -= b - a
        else:  # no opening hours left: just after the previous moment (or before "now")
            second = max(lo, min(hi, PM[1])) if after is not None else max(AM[0], min(hi, PM[1]))
        return dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=second)

    def _window_for(self, bt: str, rng: random.Random) -> int:
        group = self.catalog.business_type(bt).group
        if group == "high_voltage":
            return 4 if rng.random() < 0.85 else 3
        if group == "low_non_residential":
            return rng.choice((3, 4, 4))
        if group == "low_residential":
            return rng.choice((1, 1, 2, 2, 3))
        return rng.choice((1, 2, 3, 4))

    def _number(self, plans: list[Plan]) -> None:
        app_id = self.next_id[Application]
        for plan in plans:
            prefix = f"{self.hall.code}-{self.days[plan.day]:%Y%m%d}"
            self.serials[prefix] = self.serials.get(prefix, 0) + 1
            plan.number = f"{prefix}-{self.serials[prefix]:04d}"
            plan.app_id = app_id
            app_id += 1
        self.next_id[Application] = app_id

    def _make_batches(self, plans: list[Plan]) -> None:
        """One handover batch per window and day before today; confirmed the next working morning."""
        rng = random.Random(f"{self.options.seed}/handover")
        self.batches: dict[tuple[int, int], Batch] = {}
        members: dict[tuple[int, int], list[Plan]] = defaultdict(list)
        for plan in plans:
            if self.days[plan.day] < self.today:
                members[plan.day, plan.window].append(plan)
        self.line_remarks: dict[int, tuple[str, str]] = {}
        for (day, window), batch_plans in sorted(members.items()):
            prefix = f"JJ-{self.hall.code}-{window:02d}-{self.days[day]:%Y%m%d}"
            self.serials[prefix] = self.serials.get(prefix, 0) + 1
            created = dt.datetime.combine(self.days[day], dt.time(17, 5)) + dt.timedelta(seconds=rng.randrange(1200))
            confirmed = self._moment(rng, day + 1, periods=((8 * 3600 + 35 * 60, 9 * 3600 + 30 * 60),))
            if confirmed > self.now or (day == self.prev_idx and window == 4):
                confirmed = None
            batch = Batch(self._take_id(HandoverBatch), f"{prefix}-{self.serials[prefix]:02d}", window, created,
                          confirmed)
            self.batches[day, window] = batch
            clerk = self.clerks[window]
            self._add(HandoverBatch, {
                "id": batch.id, "number": batch.number, "window_id": self.windows[window].id, "shift": "全天",
                "hall_id": self.hall.id,
                "created_by_id": clerk.id, "created_at": created,
                "status": "confirmed" if confirmed else "open",
                "receiver_name": self.back.name if confirmed else "",
                "confirmed_by_id": self.back.id if confirmed else None, "confirmed_at": confirmed, "version": 1,
            })
            self._audit(created, clerk, window, "handover_create", "handover_batch", batch.number,
                        {"shift": "全天", "applications": [p.number for p in batch_plans]})
            self._print(rng, "handover", created + dt.timedelta(seconds=30), clerk, window, batch_id=batch.id,
                        number=batch.number)
            if confirmed:
                remarks = {}
                for plan in batch_plans:
                    if rng.random() < 0.01:
                        self.line_remarks[plan.app_id] = mark = rng.choice(LINE_REMARKS)
                        remarks[plan.number] = f"{mark[0]}：{mark[1]}"
                self._audit(confirmed, self.back, None, "handover_confirm", "handover_batch", batch.number,
                            {"receiver": self.back.name, "lines": len(batch_plans), "remarks": remarks})


def stage_duration(rng: random.Random, limit: int) -> int:
    """Working days a stage takes: mostly within its limit, skewed short; some run over."""
    if limit <= 0:
        return 1
    if rng.random() < 0.07:
        return limit + rng.randint(1, 3)
    return max(1, min(rng.randint(1, limit), rng.randint(1, limit)))


def _apportion(total: int, weights: list[float]) -> list[int]:
    """Split ``total`` in proportion to ``weights`` (largest remainders), summing exactly to total."""
    if not weights:
        return []
    scale = sum(weights) or 1.0
    raw = [total * w / scale for w in weights]
    counts = [int(r) for r in raw]
    short = total - sum(counts)
    order = sorted(range(len(raw)), key=lambda i: (raw[i] - counts[i], -i), reverse=True)
    for i in order[:short]:
        counts[i] += 1
    return counts
