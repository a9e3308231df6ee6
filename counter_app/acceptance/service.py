"""一证受理: the acceptance service behind the clerk's window (no Qt), the one entry the window, the
documents and the tests import. The work lives in modules named for what they hold:

- ``window_context``: who may accept here, what a fresh form needs from the hall;
- ``customer_file``: the customer behind a certificate (``lookup_customer``, created on save);
- ``saving``: ``save`` (one transaction, idempotent per form key) and ``update`` (optimistic locking);
- ``application_rows``: deadlines, material rows, on-file archive and commitments of an application;
- ``opened_application``: ``load`` (an application as form input, masked by the privacy policy).

What a saved application holds: the open StageEvent of stage ``accept`` (action ``enter``, due
date in working days of the hall calendar), one Material row per checklist item (received, or
deferred and due ``deferral_days`` working days after acceptance), the authenticity commitment and,
when something is deferred, the deferral commitment due with the last deferred item."""

from __future__ import annotations

from counter_app.acceptance import survey
from counter_app.acceptance.clerk_input import MATERIAL_STATES, AcceptanceInput, PlanItem, material_plan
from counter_app.acceptance.customer_file import PREFILL_FIELDS, KnownCustomer, lookup_customer
from counter_app.acceptance.input_checks import validate
from counter_app.acceptance.opened_application import LoadedApplication, load
from counter_app.acceptance.saving import SaveResult, save, update
from counter_app.acceptance.window_context import (
    FormDefaults,
    form_defaults,
    suggest_survey_day,
    survey_day_load,
)

__all__ = [
    "MATERIAL_STATES",
    "PREFILL_FIELDS",
    "AcceptanceInput",
    "FormDefaults",
    "KnownCustomer",
    "LoadedApplication",
    "PlanItem",
    "SaveResult",
    "form_defaults",
    "load",
    "lookup_customer",
    "material_plan",
    "save",
    "suggest_survey_day",
    "survey",
    "survey_day_load",
    "update",
    "validate",
]
