"""One demo application: its timeline through the stages, termination, the fields the clerk
entered, materials, commitments, the survey appointment, the handover line, prints and audit."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from dataclasses import dataclass
from decimal import Decimal

from counter_app.acceptance import accepted
from counter_app.acceptance.clerk_input import material_plan
from counter_app.demo import data
from counter_app.demo.customers import CustomerInfo
from counter_app.demo.hall_profile import (
    DEFER_SHARE,
    GREEN_MANAGERS,
    GREEN_REASONS,
    OVERDUE_REASON,
    RECENT_PRINT_DAYS,
    REMARKS,
    STAGE_HANDLERS,
    SURVEY_TEAM_HV,
    SURVEY_TEAM_RURAL,
    SURVEY_TEAMS_URBAN,
    TERMINATION_REASONS,
)
from counter_app.demo.schedule import Plan, stage_duration
from counter_app.forms.models import APPLICATION_DOCS
from counter_app.models import (
    Application,
    Commitment,
    HandoverLine,
    Material,
    StageEvent,
    SurveyAppointment,
    User,
)


@dataclass
class Event:
    stage: str
    action: str
    start: dt.datetime
    end: dt.datetime | None
    due: dt.date | None
    estimated: bool
    handler: str
    actor_id: int | None
    note: str = ""


class Applications:
    """Part of the demo generator: one application and everything it leaves."""

    def _build(self, plan: Plan, rng: random.Random) -> None:
        bt = self.catalog.business_type(plan.bt)
        customer = self._customer_for(plan, bt, rng)
        important = plan.important
        if important is None:
            important = bt.is_high_voltage and rng.random() < 0.3
        agent = (customer.kind == "organisation" and rng.random() < 0.65) or rng.random() < 0.04
        app = self._application_fields(plan, bt, customer, important, agent, rng)
        limits = accepted.deadlines(self.table.add, plan.at, bt, app["load_importance"],
                                    self.limits[bt.code, "accept"])
        events, status = self._timeline(plan, bt, important, limits, rng)
        terminated_at = reason = None
        deferral_due_idx = plan.day + self.deferral_days
        if plan.terminate:
            events, status, terminated_at, reason = self._terminate(plan, events, deferral_due_idx, rng)
        completed_at = events[-1].start if status == "completed" else None
        clerk = self.clerks[plan.window]
        app_id = plan.app_id
        seconds = self._counter_seconds(bt, rng)
        materials, commitments, deferred, copies = self._materials(
            plan, bt, customer, agent, important, status, completed_at, terminated_at,
            reason == OVERDUE_REASON, rng)
        current = events[-2] if status == "terminated" else events[-1]
        last = events[-1]
        app.update({
            "id": app_id, "number": plan.number, "hall_id": self.hall.id, "window_id": self.windows[plan.window].id,
            "clerk_id": clerk.id, "customer_id": customer.id, "certificate_id": customer.cert_id,
            "business_type": bt.code, "status": status, "current_stage": current.stage,
            "current_handler": current.handler, "stage_due_date": current.due,
            "cert_entered_at": plan.at - dt.timedelta(seconds=seconds), "accepted_at": plan.at,
            "counter_seconds": seconds, "completed_at": completed_at, "terminated_at": terminated_at,
            "terminated_reason": reason or "", "terminated_by_id": self.supervisor.id if terminated_at else None,
            "updated_at": last.end or last.start, "updated_by_id": last.actor_id, "version": 1,
        })
        app["due_date"], app["due_estimated"] = limits.due_date, limits.due_estimated
        self._add(Application, app)
        for event in events:
            self._add(StageEvent, {
                "id": self._take_id(StageEvent), "application_id": app_id, "stage": event.stage,
                "action": event.action, "started_at": event.start, "ended_at": event.end, "due_date": event.due,
                "due_estimated": event.estimated, "handler": event.handler, "actor_id": event.actor_id,
                "note": event.note, "source": "app", "external_key": None,
            })
        self._add_materials(plan, app_id, materials)
        self._commitments(app_id, commitments)
        self._appointment(plan, bt, customer, app_id, rng)
        self._handover_line(plan, app_id, copies, deferred)
        self._acceptance_records(plan, app_id, clerk, agent, deferred, rng)
        self._stage_audits(plan, app_id, events)
        if terminated_at and reason == OVERDUE_REASON and len(self.blacklist_cases) < 3:
            self.blacklist_cases.append((customer, plan, terminated_at))
            customer.blacklisted = True
        if customer.new_in_demo:
            self._record_on_file(customer, app_id, plan, materials)
        self.report.by_type[bt.code] += 1
        self.report.by_status[status] += 1
        if status == "active":
            self.report.by_stage[current.stage] += 1
        self.covered.add((bt.code, "terminated" if status == "terminated" else current.stage))

    def _timeline(self, plan: Plan, bt, important: bool, limits: accepted.Deadlines,
                  rng) -> tuple[list[Event], str]:
        now, clerk = self.now, self.clerks[plan.window]
        opened = accepted.accept_event(plan.at, limits, clerk.name, clerk.id)
        accept = Event(opened["stage"], opened["action"], opened["started_at"], opened["ended_at"],
                       opened["due_date"], opened["due_estimated"], opened["handler"], opened["actor_id"])
        events = [accept]
        batch = self.batches.get((plan.day, plan.window))
        if batch is None or batch.confirmed_at is None:
            return events, "active"
        # the accept stage ends when the back office confirms the paper file
        accept.end = start = max(batch.confirmed_at, plan.at + dt.timedelta(minutes=1))
        start_idx = plan.day + 1
        forced = plan.durations or []
        handler_pick = rng.random()
        for k, stage in enumerate(bt.stages_for(important)[1:]):
            if stage.code == "archive":
                events.append(Event("archive", "complete", start, start, start.date(), False,
                                    STAGE_HANDLERS["archive"][0], self.back.id))
                return events, "completed"
            limit = self.limits[bt.code, stage.code]
            due, estimated = self.table.add(start.date(), limit)
            handlers = STAGE_HANDLERS[stage.code]
            event = Event(stage.code, "enter", start, None, due, estimated,
                          handlers[int(handler_pick * len(handlers))], self.back.id)
            events.append(event)
            duration = forced[k] if k < len(forced) else stage_duration(rng, limit)
            end_idx = start_idx + duration
            # forced paths: stages before the target must end before "now" (the target's end lies
            # after the last acceptance day and stays in the future)
            end = self._moment(rng, end_idx, after=start, cap=plan.forced and end_idx <= self.last_idx)
            if end > now:
                return events, "active"
            event.end = start = end
            start_idx = end_idx
        raise AssertionError(f"{bt.code}: stages do not end in archive")

    def _terminate(self, plan: Plan, events: list[Event], due_idx: int, rng):
        """Stop the application inside one of its reached stages (supervisor's decision)."""
        if plan.terminate == "overdue":
            at_idx = min(due_idx + rng.randint(1, 2), self.last_idx)
            moment = self._moment(rng, at_idx, after=plan.at, cap=True)
            reason = OVERDUE_REASON
        else:
            candidates = [e for e in events if e.stage != "archive"]
            event = candidates[min(int(rng.random() ** 2 * len(candidates)), len(candidates) - 1)]
            end = event.end or self.now
            span = max(60, int((end - event.start).total_seconds()) - 60)
            moment = event.start + dt.timedelta(seconds=rng.randrange(60, span + 1) if span > 60 else 30)
            reason = rng.choice(TERMINATION_REASONS)
        kept = [e for e in events if e.start < moment and e.stage != "archive"]
        if not kept:
            kept = events[:1]
        last = kept[-1]
        last.end = moment
        kept.append(Event(last.stage, "terminate", moment, moment, None, False, self.supervisor.name,
                          self.supervisor.id, reason))
        return kept, "terminated", moment, reason

    def _counter_seconds(self, bt, rng: random.Random) -> int:
        mean = {"low_residential": 8.5, "low_non_residential": 12.0, "high_voltage": 19.0, "change": 7.0}[bt.group]
        minutes = rng.lognormvariate(0, 0.45) * mean  # residential: about 3 % over 20 minutes
        return int(min(max(minutes, 3.0), 60.0) * 60)

    def _materials(self, plan: Plan, bt, customer: CustomerInfo, agent: bool, important: bool, status: str,
                   completed_at, terminated_at, keep_overdue: bool, rng: random.Random):
        """The checklist as the clerk ticks it (the acceptance service's plan for this customer), the rows
        and commitments acceptance leaves, then what happened to the deferred items since."""
        accepted_on = plan.at.date()
        checklist, force_one = [], keep_overdue
        for item in self._material_plan(bt.code, agent, customer, accepted_on, important):
            if item.code == "legal_rep_id" and customer.kind == "person":
                continue  # a person has no legal representative to prove
            state = item.default_state
            if (state == "received" and "deferred" in item.states and item.when == "later"
                    and (force_one or rng.random() < DEFER_SHARE[bt.group])):
                force_one, state = False, "deferred"
            checklist.append((item.code, item.name, state))
        rows = accepted.material_rows(checklist, self.table.add(accepted_on, self.deferral_days))
        commitments = accepted.commitment_rows(plan.at, rows)
        due_idx = plan.day + self.deferral_days
        deferred, copies = [], 0
        for row in rows:
            row["id"], row["application_id"] = self._take_id(Material), plan.app_id
            if row["state"] == "received" and row["code"] in ("property_proof", "land_proof"):
                row["copies"] = rng.choice((1, 1, 1, 2, 3))
            copies += row["copies"] if row["state"] == "received" else 0
            if row["state"] == "deferred":
                deferred.append(row)
                if not keep_overdue:
                    self._maybe_supplied(plan, row, due_idx, status, completed_at, terminated_at, rng)
                if row["state"] == "deferred" and row["due_date"] < self.today:
                    self.report.overdue_deferred += 1
        if deferred:
            supplied = [r["supplied_at"] for r in deferred]
            commitments[-1]["fulfilled_at"] = max(supplied) if all(supplied) else None
        return rows, commitments, deferred, copies

    def _material_plan(self, bt_code: str, agent: bool, customer: CustomerInfo, today: dt.date,
                       important: bool) -> list:
        """``material_plan`` asked once per kind of case: 100,000 applications come in a few hundred
        kinds (the day matters only for what is on file and may have expired)."""
        on_file = tuple(sorted(customer.on_file.items()))
        key = (bt_code, agent, customer.blacklisted, important, on_file, today if on_file else None)
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = material_plan(
                bt_code, has_agent=agent, on_file=customer.on_file, blacklisted=customer.blacklisted,
                today=today, cat=self.catalog, important=important)
        return plan

    def _maybe_supplied(self, plan: Plan, row: dict, due_idx: int, status: str, completed_at,
                        terminated_at, rng: random.Random) -> None:
        limit = completed_at or terminated_at or self.now
        chance = 1.0 if status == "completed" else (0.8 if self.days[due_idx] < self.today else 0.35)
        if rng.random() >= chance:
            return
        late = rng.random() < 0.08
        last_idx = min(due_idx + (rng.randint(1, 3) if late else 0), self.table.count_upto(limit.date()) - 1,
                       self.last_idx)
        day = rng.randint(plan.day, max(plan.day, last_idx))
        moment = self._moment(rng, day, after=plan.at, cap=True)
        if moment >= limit:
            if status != "completed":
                return
            moment = limit - dt.timedelta(minutes=5)
        at_counter = rng.random() < 0.8
        who = self.clerks[plan.window] if at_counter else self.back
        row.update(state="supplied", supplied_at=moment, supplied_by_id=who.id, copies=1)
        self._audit(moment, who, plan.window if at_counter else None, "material_supplied", "application",
                    plan.number, {"code": row["code"], "name": row["name"]})

    def _add_materials(self, plan: Plan, app_id: int, rows: list[dict]) -> None:
        for row in rows:
            self._add(Material, row)

    def _commitments(self, app_id: int, commitments: list[dict]) -> None:
        for row in commitments:
            self._add(Commitment, {"id": self._take_id(Commitment), "application_id": app_id, **row})

    def _appointment(self, plan: Plan, bt, customer: CustomerInfo, app_id: int, rng: random.Random) -> None:
        if "survey" not in {s.code for s in bt.stages} or rng.random() > 0.92:
            return
        roll = rng.random()
        if roll < 0.6:
            mode, slot = "fixed", rng.choice(("09:00", "09:30", "10:00", "10:30", "14:30", "15:00", "15:30", "16:00"))
        elif roll < 0.9:
            mode, slot = "halfday", rng.choice(("am", "pm"))
        else:
            mode, slot = "by_date", ""
        offset = 2 if mode == "by_date" else rng.randint(1, 2)
        if bt.is_high_voltage:
            team = SURVEY_TEAM_HV
        else:
            team = rng.choice(SURVEY_TEAMS_URBAN) if customer.urban else SURVEY_TEAM_RURAL
        note = "" if rng.random() < 0.8 else rng.choice(("客户白天上班，请提前一小时电话联系", "需物业陪同进入配电间"))
        self._add(SurveyAppointment, {
            "id": self._take_id(SurveyAppointment), "application_id": app_id, "mode": mode, "team": team,
            "day": self.days[plan.day + offset], "slot": slot, "note": note,
            "booked_by_id": self.clerks[plan.window].id, "created_at": plan.at,
        })

    def _handover_line(self, plan: Plan, app_id: int, copies: int, deferred: list[dict]) -> None:
        batch = self.batches.get((plan.day, plan.window))
        if batch is None:
            return
        batch.lines += 1
        remark, note = self.line_remarks.get(app_id, ("", ""))
        self._add(HandoverLine, {
            "id": self._take_id(HandoverLine), "batch_id": batch.id, "application_id": app_id, "seq": batch.lines,
            "copies": copies, "remark": remark, "remark_note": note,
        })

    def _acceptance_records(self, plan: Plan, app_id: int, clerk: User, agent: bool, deferred: list[dict],
                            rng: random.Random) -> None:
        self._audit(plan.at, clerk, plan.window, "accept", "application", plan.number,
                    {"business_type": plan.bt})
        if plan.day < self.last_idx - RECENT_PRINT_DAYS:
            return
        skip = {"deferral"} if not deferred else set()
        if not agent:
            skip.add("proxy")
        documents = [doc for doc in APPLICATION_DOCS if doc not in skip]
        for offset, document in enumerate(documents, start=1):
            at = plan.at + dt.timedelta(seconds=20 * offset)
            self._print(rng, document, at, clerk, plan.window, application_id=app_id, number=plan.number)
        if rng.random() < 0.03:
            at = plan.at + dt.timedelta(minutes=rng.randrange(5, 90))
            if at < self.now:
                self._print(rng, "receipt", at, clerk, plan.window, application_id=app_id, number=plan.number,
                            action="reprint")

    def _stage_audits(self, plan: Plan, app_id: int, events: list[Event]) -> None:
        for previous, event in itertools.pairwise(events):
            if event.action == "terminate":
                self._audit(event.start, self.supervisor, None, "terminate", "application", plan.number,
                            {"stage": event.stage, "reason": event.note})
            else:
                self._audit(event.start, self.back, None, "stage_move", "application", plan.number,
                            {"from": previous.stage, "to": event.stage, "handler": event.handler})

    def _application_fields(self, plan: Plan, bt, c: CustomerInfo, important: bool, agent: bool,
                            rng: random.Random) -> dict:
        person = c.kind == "person"
        usage = bt.usage_default or ("居民生活" if person else "一般工商业")
        industry = c.industry if not person else ("城乡居民生活" if usage == "居民生活" else "批发和零售业")
        unit, existing, applied, voltage = "kW", Decimal(0), Decimal(0), ""
        project, load = "", ""
        if bt.group == "low_residential":
            applied = Decimal(rng.choice((4, 6, 8, 8, 10, 12, 16, 20)))
            if bt.code.endswith("increase"):
                existing = Decimal(rng.choice((4, 6, 8)))
        elif bt.group == "low_non_residential":
            applied = Decimal(rng.choice((10, 15, 20, 30, 40, 50, 60, 80, 100)))
            if bt.code.endswith("increase"):
                existing = Decimal(rng.choice((10, 20, 30)))
                applied = min(applied, Decimal(100) - existing)
            if industry == "农、林、牧、渔业":
                usage = "农业生产"
        elif bt.is_high_voltage:
            unit = "kVA"
            applied = Decimal(rng.choice((315, 400, 500, 630, 800, 1000, 1250, 1600, 2000, 2500, 3150)))
            if bt.code.endswith("increase"):
                existing = Decimal(rng.choice((315, 400, 630, 800)))
            voltage = "10kV"
            usage = "大工业" if applied + existing >= 315 else "一般工商业"
            project = f"{c.name}{rng.choice(('厂房', '办公楼', '生产线', '充电站', '冷库', '综合体'))}用电工程"
            load = rng.choice(("重要", "重要", "特级重要")) if important else "普通"
        else:  # changes of an existing account
            existing = Decimal(rng.choice((4, 6, 8, 10)) if person else rng.choice((30, 50, 100, 315, 630)))
            unit = "kVA" if existing >= 315 else "kW"
            if bt.code in ("reduce", "suspend"):
                applied = (existing / 2).quantize(Decimal(1))
            elif bt.code == "resume":
                applied = existing
            if bt.code == "reclass":
                usage = rng.choice(("一般工商业", "居民生活", "农业生产"))
        total = existing - applied if bt.code in ("reduce", "suspend") else existing + applied
        if bt.code in ("close", "resume", "rename", "transfer", "reclass"):
            total = existing
        if not voltage:
            voltage = "10kV" if unit == "kVA" else self.catalog.suggest_voltage(
                float(total), single_phase_only=person and float(total) < 10) or "220V"
        wanted = None
        if "wanted_date" in bt.required or rng.random() < 0.3:
            wanted = self.days[min(plan.day + rng.randint(3, 15), len(self.days) - 1)]
        green = bool(not person and ((bt.is_high_voltage and rng.random() < 0.25)
                                     or (bt.group == "low_non_residential" and rng.random() < 0.04)))
        if plan.forced and bt.is_high_voltage and not person:
            green = True
        contact_name, contact_mobile = c.name, c.mobile
        agent_name = agent_number = agent_mobile = agent_address = ""
        if agent:
            agent_name, agent_sex = data.person_name(rng, rare_ratio=0.01)
            agent_number, _ = data.resident_id(rng, sex=agent_sex, today=self.today, min_age=20, max_age=60)
            agent_mobile = data.mobile(rng)
            # its own random stream: the rest of the demo stays what it was for a given seed
            district, detail, _urban = data.residential_address(random.Random(f"{self.options.seed}/agent/{agent_number}"))
            agent_address = f"{district}{detail}"
        if not person:
            contact_name, contact_mobile = (agent_name, agent_mobile) if agent else (c.legal_rep_name, c.mobile)
        vat = not person and not c.individual and c.cert_type == "business_licence" and rng.random() < 0.6
        address = f"{c.district}{c.detail}"
        return {
            "account_number": c.account if (bt.group == "change" or bt.code.endswith("increase")) else "",
            "usage_category": usage, "industry": industry, "existing_capacity": existing,
            "applied_capacity": applied, "total_capacity": total, "capacity_unit": unit, "supply_voltage": voltage,
            "load_importance": load, "wanted_date": wanted, "project_name": project,
            "address_district": c.district, "address_detail": c.detail,
            "mailing_address": address if rng.random() < 0.85 else data.residential_address(rng)[0] + "邮政信箱",
            "contact_name": contact_name, "contact_mobile": contact_mobile,
            "contact_phone": c.phone,
            "legal_rep_name": c.legal_rep_name, "legal_rep_id_number": c.legal_rep_id,
            "agent_name": agent_name, "agent_cert_type": "id_card" if agent else "", "agent_cert_number": agent_number,
            "agent_mobile": agent_mobile, "agent_address": agent_address,
            "vat_taxpayer_number": c.number if vat else "", "vat_bank": rng.choice(data.BANKS) if vat else "",
            "vat_account": data.bank_account(rng) if vat else "", "vat_address": address if vat else "",
            "vat_phone": (c.phone or data.fixed_phone(rng)) if vat else "",
            "green_channel": green, "green_reason": rng.choice(GREEN_REASONS) if green else "",
            "green_manager": rng.choice(GREEN_MANAGERS) if green else "",
            "remarks": rng.choice(REMARKS),
            "previous_holder_name": self._previous_holder(bt.code, c),
        }

    def _previous_holder(self, code: str, c: CustomerInfo) -> str:
        """原户名 of a 过户 (another holder) or 更名 (the same holder's former name); its own random
        stream, so the rest of the demo stays what it was for a given seed."""
        if code not in ("transfer", "rename"):
            return ""
        rng = random.Random(f"{self.options.seed}/previous-holder/{c.id}/{code}")
        if c.kind == "person":
            other, _sex = data.person_name(rng, rare_ratio=0.02)
            return other if code == "transfer" else c.name[:1] + other[1:]
        return data.organisation(rng, "350102")["name"]
