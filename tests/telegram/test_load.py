"""The load test (scripts/loadtest.py) in CI: 1,000 residents, 200 of them escalating.

The script uses the real knowledge base; the test uses the small fixture knowledge base, which
keeps it at about 15 s on CI's two cores (bounded to 60 s per phase) with the same number of
updates in flight at once.
"""

from __future__ import annotations

from bot.assistant import Assistant
from scripts.loadtest import run_load
from tests.telegram.conftest import FIXTURE_KB

RESIDENTS = 1000
ESCALATE = 0.2


async def test_every_question_gets_one_reply_and_every_escalation_arrives_once(
    assistant: Assistant,
) -> None:
    result = await run_load(RESIDENTS, ESCALATE, FIXTURE_KB, assistant=assistant, within=60)
    print("\n" + result.report())  # shown with -s and in CI logs on failure
    assert result.problems == []
    assert result.residents == RESIDENTS and result.escalations == RESIDENTS * ESCALATE
    assert result.updates == RESIDENTS + result.escalations
    assert len(result.latencies) == RESIDENTS
