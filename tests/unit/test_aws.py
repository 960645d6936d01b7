"""One way to make AWS clients: the retry budget of a throttled call, the shared settings, reuse."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError

from dms_automation import aws, db_prep
from dms_automation.masking import connection, document, key
from dms_automation.options import Options

PACKAGE = Path("lambda_src/dms_automation")
THROTTLED = (
    b'{"__type": "ThrottlingException", "message": "Rate exceeded"}',
    {"Content-Type": "application/x-amz-json-1.1"},
)


class _Raw(io.BytesIO):
    def stream(self, **_: Any) -> Any:
        yield self.getvalue()


def _always_throttled(client: Any) -> list[str]:
    """Answer every request of ``client`` with a throttling error before it leaves; count them."""
    sent: list[str] = []

    def answer(request: Any, **_: Any) -> AWSResponse:
        sent.append(request.url)
        body, headers = THROTTLED
        return AWSResponse(request.url, 400, headers, _Raw(body))

    client.meta.events.register_first("before-send", answer)
    return sent


def test_a_throttled_call_makes_at_most_the_documented_number_of_attempts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("botocore.endpoint.time.sleep", lambda _s: None)  # botocore's own backoff
    pauses: list[float] = []
    monkeypatch.setattr(aws, "sleep", pauses.append)
    dms = aws.make_clients("eu-west-1").dms
    sent = _always_throttled(dms)

    with pytest.raises(ClientError) as raised:
        aws.call(dms.describe_replication_tasks)

    assert aws.error_code(raised.value) == "ThrottlingException"
    assert len(sent) == aws.MAX_ATTEMPTS_PER_THROTTLED_CALL == 10
    assert len(pauses) == aws.ROUNDS - 1 and all(2 <= p <= aws.BACKOFF_CAP_SECONDS for p in pauses)


def test_other_errors_are_not_retried_by_our_rounds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(aws, "sleep", lambda _s: pytest.fail("paused for an error that is not throttling"))
    calls: list[int] = []

    def refused(**_: Any) -> None:
        calls.append(1)
        raise ClientError({"Error": {"Code": "InvalidResourceStateFault"}}, "StartReplicationTask")

    with pytest.raises(ClientError):
        aws.call(refused)
    assert calls == [1]


def test_every_client_has_the_same_retry_and_timeout_settings_and_is_reused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    secrets = aws.client("secretsmanager", "eu-west-1")
    assert aws.client("secretsmanager", "eu-west-1") is secrets  # a warm invocation reuses it
    for made in (secrets, aws.client("ssm", "eu-west-1"), aws.make_clients("eu-west-1").dms):
        config = made.meta.config
        assert config.retries == {"mode": "standard", "total_max_attempts": aws.ATTEMPTS_PER_ROUND}
        assert (config.connect_timeout, config.read_timeout) == (5, 30)
    # Another endpoint (an emulator) or region gets a client of its own.
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1")
    assert aws.client("secretsmanager", "eu-west-1") is not secrets
    assert aws.client("secretsmanager", "eu-west-1").meta.endpoint_url == "http://127.0.0.1:1"
    assert aws.client("secretsmanager", "us-east-1") is not aws.client("secretsmanager", "eu-west-1")


def test_only_aws_py_makes_clients() -> None:
    makers = {
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if re.search(r"\bboto3\b|\bbotocore\.config\b|(?<!aws)\.client\(\s*['\"]", path.read_text())
    }
    assert makers == {"aws.py"}


class _Recorder:
    def __init__(self, answers: dict[str, Any]) -> None:
        self.answers = answers
        self.asked: list[str] = []

    def __call__(self, service: str, *args: Any, **kwargs: Any) -> Any:
        self.asked.append(service)
        return self.answers[service]


class _FakeSecrets:
    def __init__(self, value: str) -> None:
        self.value = value

    def get_secret_value(self, SecretId: str) -> dict[str, Any]:
        return {"SecretString": self.value}

    def put_secret_value(self, **_: Any) -> dict[str, Any]:
        return {}


class _FakeSsm:
    def get_parameter(self, Name: str, WithDecryption: bool) -> dict[str, Any]:
        return {"Parameter": {"Value": "[]"}}


def test_masking_and_preparation_get_their_clients_from_aws_py(monkeypatch: pytest.MonkeyPatch) -> None:
    secret = '{"username": "u", "password": "p", "host": "h"}'
    recorder = _Recorder({"secretsmanager": _FakeSecrets("k" * 64), "ssm": _FakeSsm()})
    monkeypatch.setattr(aws, "client", recorder)

    assert key.read_key("masking-key").id
    assert document.load({"MASKING_RULES_PARAMETER": "/dms/masking-rules"}) == []
    recorder.answers["secretsmanager"] = _FakeSecrets(secret)
    monkeypatch.setattr(connection, "connect", lambda settings, ssl_ca=None: settings)
    assert connection.from_secret("target")()["host"] == "h"
    with pytest.raises(db_prep.PreparationError):
        db_prep.handler({}, None)  # refuses the empty event after making its client
    assert recorder.asked == ["secretsmanager", "ssm", "secretsmanager", "secretsmanager"]


def test_the_handlers_default_is_the_documented_attempts_per_round() -> None:
    assert Options.from_env({}).max_attempts_per_call == aws.ATTEMPTS_PER_ROUND
    readme = Path("README.md").read_text()
    (row,) = [
        line for line in readme.splitlines() if line.strip().startswith("| `AWS_MAX_ATTEMPTS_PER_CALL`")
    ]
    assert f"| `{aws.ATTEMPTS_PER_ROUND}` |" in row
    assert f"at most {aws.MAX_ATTEMPTS_PER_THROTTLED_CALL} attempts in all" in row
    assert (
        f"at most {aws.MAX_ATTEMPTS_PER_THROTTLED_CALL} attempts in all" in readme.split("## Reliability")[1]
    )
