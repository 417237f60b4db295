"""Connector failures mapped to what the outbox should do about them."""

from __future__ import annotations

from msrest.exceptions import ClientRequestError, HttpOperationError

from bot.ports import SendError, retry_after_seconds

# The bot was removed, the user left or the chat is gone: retrying cannot help.
PERMANENT_STATUSES = {403, 404}


def send_error(error: Exception) -> SendError:
    """msrest's HttpOperationError (ErrorResponseException) carries the HTTP response."""
    if isinstance(error, HttpOperationError) and error.response is not None:
        status = error.response.status_code
        if status == 429:
            return SendError("rate_limited", "429",
                             retry_after_seconds(error.response.headers.get("Retry-After")))
        if status in PERMANENT_STATUSES:
            return SendError("permanent", f"HTTP {status}")
        return SendError("transient", f"HTTP {status}")
    # ClientRequestError (retries exhausted by msrest), timeouts, dropped connections.
    return SendError("transient", type(error).__name__)


CONNECTOR_ERRORS = (HttpOperationError, ClientRequestError, TimeoutError, OSError)
