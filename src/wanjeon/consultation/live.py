"""Use cases of a live session: open one on a consultation under way, and finish it into
a stored, verified transcript.

The session itself (``verification.live.LiveVerification``) lives in the serving process
for as long as the connection does; what it heard is stored only when the client ends the
session, through the same use cases as an uploaded transcript (masked, audited, verified).
"""

from __future__ import annotations

from wanjeon.accounts.model import Principal
from wanjeon.accounts.policy import Action
from wanjeon.consultation.lifecycle import Status
from wanjeon.consultation.ports import VerificationRecord
from wanjeon.consultation.services import (
    NotFound,
    Services,
    Unprocessable,
    load_visible,
    recording_event,
    store_transcript,
    verify_consultation,
)
from wanjeon.transcript.model import Transcript
from wanjeon.verification.live import LiveVerification


def open_live(s: Services, who: Principal, consultation_id: str) -> LiveVerification:
    with s.reads() as uow:
        consultation = load_visible(uow, who, Action.RECORD, consultation_id)
        consultation.ensure_can_go_live()
        product = uow.products.get(consultation.product_id)
        customer = uow.customers.get(consultation.customer_id)
    if product is None:
        raise NotFound("product", consultation.product_id)
    return LiveVerification(s.verifier(), consultation.id, product, customer, consultation.context)


def finish_live(
    s: Services, who: Principal, consultation_id: str, transcript: Transcript
) -> VerificationRecord:
    """Stop the recording if it runs, store what was said as the transcript, verify it."""
    if not transcript.segments:
        raise Unprocessable("nothing was said in this live session; there is no transcript to store")
    with s.reads() as uow:
        status = load_visible(uow, who, Action.RECORD, consultation_id).status
    if status is Status.RECORDING:
        recording_event(s, who, consultation_id, "stop")
    store_transcript(s, who, consultation_id, transcript)
    return verify_consultation(s, who, consultation_id)
