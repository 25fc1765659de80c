"""The dashboard's CSV download is neutralised like the CLI's (issue 26, item 5)."""

from __future__ import annotations

from flask.testing import FlaskClient

from banner.log.store import ConsentLog
from tests.admin.conftest import decision
from tests.log.test_spreadsheet import ATTACK, WHEN, cells_seen, formula


def test_the_dashboard_download_is_neutralised(operator: FlaskClient, log: ConsentLog) -> None:
    log.append(decision("consent-id-000000002", WHEN, "reject", (), user_agent=ATTACK), fresh=True)
    download = operator.get("/admin/s/tokodemo/export?first=2026-11-01&last=2026-11-03&format=csv")
    assert download.status_code == 200
    body = download.get_data(as_text=True)
    assert ";'=WEBSERVICE" in body
    assert not any(formula(cell) for line in body.splitlines()[1:] for cell in cells_seen(line))
