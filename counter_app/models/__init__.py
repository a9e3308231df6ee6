"""SQLAlchemy 2 typed ORM: the tables of the shared hall database and nothing else, one module per
part of the domain; everything is imported from here (``from counter_app.models import Application``).

Constraints here enforce what must never happen: two applications with one number, one certificate
recorded twice, an application in two handover batches, a stage update imported twice.
Enumerated values are short ASCII codes; their Chinese labels live in the catalog / domain modules.
"""

from counter_app.models.base import Base
from counter_app.models.customer_side import CustomerConfirmation, RatingFollowUp, ServiceRating
from counter_app.models.hall_and_cases import (
    Application,
    AuditEntry,
    BlacklistEntry,
    CalendarOverride,
    Certificate,
    Commitment,
    CounterPC,
    CounterWindow,
    Customer,
    ExportRecord,
    Hall,
    HallSetting,
    HandoverBatch,
    HandoverLine,
    Material,
    MaterialOnFile,
    NumberCounter,
    PrintRecord,
    HallGrant,
    SignInLock,
    StageEvent,
    SurveyAppointment,
    User,
)
from counter_app.models.quality import QualityCard
from counter_app.models.signatures import ScanPage, SealCertificate, SignedDocument, StoredBlob

__all__ = ["Application", "AuditEntry", "Base", "BlacklistEntry", "CalendarOverride", "Certificate", "Commitment", "CounterPC", "CounterWindow", "Customer", "CustomerConfirmation", "ExportRecord", "Hall", "HallGrant", "HallSetting", "HandoverBatch", "HandoverLine", "Material", "MaterialOnFile", "NumberCounter", "PrintRecord", "QualityCard", "RatingFollowUp", "ScanPage", "SealCertificate", "ServiceRating", "SignInLock", "SignedDocument", "StageEvent", "StoredBlob", "SurveyAppointment", "User"]
