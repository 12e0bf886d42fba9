"""The real google-cloud-bigquery client, pointed at a local HTTP server that speaks the BigQuery REST
contract: what it sends to create tables, load a partition and drop one is what BigQuery expects."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from google.api_core.client_options import ClientOptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import bigquery

from pipelines.loaders.base import datasets
from pipelines.loaders.bigquery import BigQueryLoader

pytestmark = pytest.mark.integration


class FakeBigQuery(BaseHTTPRequestHandler):
    calls: ClassVar[list[dict[str, Any]]] = []
    jobs: ClassVar[dict[str, dict[str, Any]]] = {}

    def log_message(self, *args: Any) -> None:
        return

    def _reply(self, status: int, body: dict[str, Any] | None = None) -> None:
        data = json.dumps(body or {}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length", 0)))

    def do_POST(self) -> None:
        body = self._body()
        if "uploadType=multipart" in self.path:
            raw = b"Content-Type: " + self.headers["Content-Type"].encode() + b"\r\n\r\n" + body
            metadata_part, data_part = BytesParser().parsebytes(raw).get_payload()  # type: ignore[misc]
            job = json.loads(metadata_part.get_payload(decode=True))
            rows = pq.read_table(io.BytesIO(data_part.get_payload(decode=True)))
            job_id = job["jobReference"]["jobId"]
            job.update(status={"state": "DONE"}, statistics={"load": {"outputRows": str(rows.num_rows)}})
            self.jobs[job_id] = job
            self.calls.append({"kind": "load", "job": job, "rows": rows})
            self._reply(200, job)
            return
        resource = json.loads(body or b"{}")
        self.calls.append({"kind": "create", "path": self.path.split("?")[0], "body": resource})
        self._reply(200, resource)

    def do_GET(self) -> None:
        job_id = self.path.split("?")[0].rsplit("/", 1)[-1]
        if job_id in self.jobs:
            self._reply(200, self.jobs[job_id])
        else:
            self._reply(404, {"error": {"code": 404, "message": "Not found", "status": "NOT_FOUND"}})

    def do_DELETE(self) -> None:
        self.calls.append({"kind": "delete", "path": self.path.split("?")[0]})
        self.send_response(204)
        self.end_headers()


@pytest.fixture
def bigquery_client() -> Iterator[bigquery.Client]:
    FakeBigQuery.calls, FakeBigQuery.jobs = [], {}
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeBigQuery)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    endpoint = f"http://127.0.0.1:{server.server_address[1]}"
    yield bigquery.Client(
        project="pizza-prod", credentials=AnonymousCredentials(), client_options=ClientOptions(api_endpoint=endpoint)
    )
    server.shutdown()


def test_loader_creates_a_partitioned_table_and_truncates_one_partition(bigquery_client: bigquery.Client) -> None:
    loader = BigQueryLoader(bigquery_client, "pizza-prod", "lake", "EU")
    dataset = datasets(["orders"])[0]
    day = date(2026, 3, 1)
    rows = pa.Table.from_pylist(
        [
            {c: None for c in dataset.spec.columns}
            | {"order_id": "o1", "total_cents": 1299, "date": day, "created_at": datetime(2026, 3, 1, 12, tzinfo=UTC)}
        ],
        schema=dataset.schema,
    )
    with loader:
        loader.ensure_table(dataset)
        loaded = loader.replace_partition(dataset, day, rows)
        loader.drop_partition(dataset, date(2026, 2, 1))

    assert loaded == 1
    created = [c for c in FakeBigQuery.calls if c["kind"] == "create" and c["path"].endswith("/tables")]
    table = created[0]["body"]
    assert table["timePartitioning"] == {"type": "DAY", "field": "date"}
    assert table["clustering"] == {"fields": ["order_id", "created_at"]}
    load = next(c for c in FakeBigQuery.calls if c["kind"] == "load")
    config = load["job"]["configuration"]["load"]
    assert config["destinationTable"] == {"projectId": "pizza-prod", "datasetId": "lake", "tableId": "orders$20260301"}
    assert config["writeDisposition"] == "WRITE_TRUNCATE"
    assert config["sourceFormat"] == "PARQUET"
    assert load["rows"].column("order_id").to_pylist() == ["o1"]
    assert load["job"]["jobReference"]["location"] == "EU"
    deleted = [c["path"] for c in FakeBigQuery.calls if c["kind"] == "delete"]
    assert deleted == ["/bigquery/v2/projects/pizza-prod/datasets/lake/tables/orders$20260201"]
