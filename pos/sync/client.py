"""The storefront's HTTP client: the only module of the program that imports ``requests``.

Rules (shared/storefront-api.md, "What the sync must guarantee"):

- Every call has a timeout (connect and read).
- Retried, with exponential back-off and full jitter: 5xx answers, 429 (waiting at least
  its ``Retry-After`` seconds), dropped or reset connections, timeouts, and answers whose
  body is not the contract's JSON envelope (a proxy's HTML page, a truncated or garbage
  body). After the last try: :class:`StorefrontUnavailable`.
- Not retried: any other 4xx. It raises :class:`StorefrontRefused` carrying the status
  and the body (cut to 2,000 characters), so the sync can log it and show it.
- Creating a product (``POST /api/products``) is the one call that is not safe to send
  twice: when it may have reached the storefront and the answer was lost (a timeout, a
  reset after sending, a 5xx, a garbage body), it raises :class:`StorefrontInDoubt`
  instead of retrying; the sync then looks for the product by SKU before trying again.
  A connection that was never made, and a 429, are retried: nothing was done.
- The token travels only in the ``Authorization`` header; it is never part of a message.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Mapping
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote

import requests

from pos.domain.errors import StorefrontInDoubt, StorefrontRefused, StorefrontUnavailable
from pos.ports.sync import Page
from pos.sync.policy import RetryPolicy as RetryPolicy  # re-exported

BODY_KEPT = 2_000


class _Retry(Exception):
    """One try failed in a way worth another; ``wait`` is at least this long."""

    def __init__(self, problem: str, wait: float = 0.0) -> None:
        super().__init__(problem)
        self.problem, self.wait = problem, wait


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        # Prices have at most the currency's decimals: the shortest float repr of such a
        # Decimal prints the same digits (float(Decimal("199.99")) -> 199.99).
        return float(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def encode(body: Mapping[str, Any]) -> bytes:
    return json.dumps(body, default=_json_default, ensure_ascii=False).encode("utf-8")


def _retry_after(value: str | None) -> float:
    if not value:
        return 0.0
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return 0.0
    return max(0.0, when.timestamp() - time.time())


def _body_text(resp: requests.Response) -> str:
    try:
        text = resp.content.decode("utf-8", errors="replace")
    except requests.RequestException:
        return ""
    return text[:BODY_KEPT]


class HttpStorefront:
    """:class:`pos.ports.sync.StorefrontApi` over HTTP (one ``requests.Session``, kept
    alive between calls). Not thread-safe: one client per sync cycle."""

    def __init__(
        self,
        base_url: str,
        token: str,
        policy: RetryPolicy | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.base = base_url.rstrip("/")
        self.policy = policy or RetryPolicy()
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._http = requests.Session()
        self._http.headers.update(
            {
                "Authorization": f"Bearer {token}",
                "Accept": "application/json",
                "Content-Type": "application/json",
                "User-Agent": "pos-sync/1",
            }
        )
        self.calls = 0  # requests sent, retries included
        self.retries = 0

    # -- the contract's calls ------------------------------------------------------------

    def list_products(self, offset: int, limit: int, sort_by: str | None = None) -> Page:
        params: dict[str, Any] = {"limit": limit, "offset": offset}
        if sort_by:
            params["sortBy"] = sort_by
        return self._page(self._call("GET", "/api/products", params=params))

    def get_product(self, remote_id: str) -> dict[str, Any]:
        return self._item(self._call("GET", f"/api/products/{quote(remote_id)}"))

    def create_product(self, doc: Mapping[str, Any]) -> dict[str, Any]:
        return self._item(self._call("POST", "/api/products", body=doc, idempotent=False))

    def update_product(self, remote_id: str, changes: Mapping[str, Any]) -> dict[str, Any]:
        return self._item(self._call("PUT", f"/api/products/{quote(remote_id)}", body=changes))

    def list_orders(self, updated_since: str | None, offset: int, limit: int) -> Page:
        params: dict[str, Any] = {"limit": limit, "offset": offset}
        if updated_since:
            params["updatedSince"] = updated_since
        return self._page(self._call("GET", "/api/orders", params=params))

    def get_order(self, remote_id: str) -> dict[str, Any]:
        return self._item(self._call("GET", f"/api/orders/{quote(remote_id)}"))

    def set_order_status(
        self, remote_id: str, status: str, tracking_number: str = ""
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"status": status}
        if tracking_number:
            body["trackingNumber"] = tracking_number
        return self._item(self._call("PUT", f"/api/orders/{quote(remote_id)}/status", body=body))

    def cancel_order(self, remote_id: str) -> dict[str, Any]:
        # Sent again after a lost answer, a cancel is refused (already cancelled) and the
        # sync then reads the order: safe to retry.
        return self._item(self._call("POST", f"/api/orders/{quote(remote_id)}/cancel", body={}))

    def close(self) -> None:
        self._http.close()

    # -- envelopes ---------------------------------------------------------------------

    @staticmethod
    def _item(envelope: dict[str, Any]) -> dict[str, Any]:
        data = envelope.get("data")
        if not isinstance(data, dict):
            raise StorefrontUnavailable(
                "The storefront answered without the item it was asked for."
            )
        return data

    @staticmethod
    def _page(envelope: dict[str, Any]) -> Page:
        data = envelope.get("data")
        if not isinstance(data, list) or not all(isinstance(i, dict) for i in data):
            raise StorefrontUnavailable("The storefront answered a list call without a list.")
        pagination = envelope.get("pagination")
        has_more, total = False, None
        if isinstance(pagination, dict):
            has_more = pagination.get("hasMore") is True
            raw_total = pagination.get("total")
            total = raw_total if isinstance(raw_total, int) else None
        return Page(tuple(data), has_more, total)

    # -- one call, with its retries ------------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
        idempotent: bool = True,
    ) -> dict[str, Any]:
        p = self.policy
        what = f"{method} {path}"
        problem = ""
        for attempt in range(p.attempts):
            if attempt:
                self.retries += 1
            try:
                return self._try(method, path, params, body, idempotent, what)
            except _Retry as retry:
                problem = retry.problem
                if attempt + 1 == p.attempts:
                    break
                if retry.wait > p.max_retry_after:
                    raise StorefrontUnavailable(
                        f"The storefront asks to wait {retry.wait:.0f} s before {what}; "
                        "the sync tries again in a later cycle."
                    ) from None
                backoff = min(p.max_delay, p.base_delay * 2**attempt)
                self._sleep(max(retry.wait, self._rng.uniform(0, backoff)))
        raise StorefrontUnavailable(
            f"The storefront did not answer {what} after {p.attempts} tries ({problem})."
        )

    def _try(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        body: Mapping[str, Any] | None,
        idempotent: bool,
        what: str,
    ) -> dict[str, Any]:
        p = self.policy
        self.calls += 1
        try:
            resp = self._http.request(
                method,
                self.base + path,
                params=params,
                data=None if body is None else encode(body),
                timeout=(p.connect_timeout, p.read_timeout),
            )
            content = resp.content  # a truncated body fails here, inside the try
        except requests.ConnectTimeout:
            raise _Retry("no connection in time") from None
        except requests.ConnectionError as exc:
            if _never_connected(exc):
                raise _Retry("connection refused") from None
            self._doubt(idempotent, what, "the connection dropped")
            raise _Retry("the connection dropped") from None
        except requests.Timeout:
            self._doubt(idempotent, what, "no answer in time")
            raise _Retry("no answer in time") from None
        except requests.RequestException as exc:  # a truncated or broken response
            self._doubt(idempotent, what, "a broken answer")
            raise _Retry(f"a broken answer ({type(exc).__name__})") from None
        status = resp.status_code
        if status == 429:
            raise _Retry("429 too many requests", _retry_after(resp.headers.get("Retry-After")))
        if status >= 500:
            self._doubt(idempotent, what, f"HTTP {status}")
            raise _Retry(f"HTTP {status}")
        parsed = _parse(content)
        if 400 <= status < 500:
            raise _refusal(status, what, parsed, _body_text(resp))
        if not (200 <= status < 300) or not isinstance(parsed, dict):
            self._doubt(idempotent, what, f"HTTP {status} with a body that is not JSON")
            raise _Retry(f"HTTP {status} with a body that is not JSON")
        if parsed.get("success") is not True:
            self._doubt(idempotent, what, "an answer without success")
            raise _Retry("an answer without success")
        return parsed

    @staticmethod
    def _doubt(idempotent: bool, what: str, problem: str) -> None:
        if not idempotent:
            raise StorefrontInDoubt(
                f"{what} may or may not have reached the storefront ({problem})."
            )


def _never_connected(exc: requests.ConnectionError) -> bool:
    """True when the request never left (refused, unknown host): safe to send again."""
    text = repr(exc)
    return "NewConnectionError" in text or "NameResolutionError" in text


def _parse(content: bytes) -> Any:
    try:
        return json.loads(content, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError):
        return None


def _refusal(status: int, what: str, parsed: Any, body: str) -> StorefrontRefused:
    said = ""
    if isinstance(parsed, dict) and isinstance(parsed.get("error"), str):
        said = parsed["error"][:300]
    if status == 401:
        message = "The storefront refused the API token (401); check it in the sync set-up."
    elif status == 403:
        message = f"The storefront does not allow {what} with this API token (403)."
    else:
        message = f"The storefront refused {what} ({status}" + (f": {said})." if said else ").")
    return StorefrontRefused(status, message, body)
