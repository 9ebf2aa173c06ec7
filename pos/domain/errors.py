"""Domain exceptions. Each carries one sentence a cashier or manager understands.

The CLI and the GUI show ``str(exc)`` as it is, so messages name the field and what is
wrong, and never contain a traceback or an internal identifier the user cannot act on.
"""

from __future__ import annotations


class PosError(Exception):
    """Base of every error the user may see. ``str(exc)`` is the sentence to show."""


class ValidationError(PosError):
    """Input is malformed: a field is missing, of the wrong form or out of range."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}")


class NotFound(PosError):
    """Something the user named does not exist."""


class UnknownBarcode(NotFound):
    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(f"No product has the barcode {code}.")


class UnknownProduct(NotFound):
    def __init__(self, ref: object) -> None:
        self.ref = ref
        super().__init__(f"No product {ref} exists.")


class BadCheckDigit(ValidationError):
    def __init__(self, code: str) -> None:
        super().__init__("barcode", f"{code} has a wrong check digit")


class InsufficientStock(PosError):
    def __init__(self, sku: str, name: str, wanted: int, on_hand: int) -> None:
        self.sku, self.wanted, self.on_hand = sku, wanted, on_hand
        super().__init__(f"Not enough stock of {name} ({sku}): {wanted} wanted, {on_hand} on hand.")


class PermissionDenied(PosError):
    """The signed-in user may not do this; a manager may approve it."""

    def __init__(self, action: str, needed: str = "manager") -> None:
        self.action = action
        self.needed = needed
        article = "an" if needed[:1].lower() in ("a", "e", "i", "o", "u") else "a"
        super().__init__(f"{action} needs {article} {needed}'s approval.")


class ApprovalRefused(PermissionDenied):
    """The manager who typed their PIN may not approve this (themselves, or not allowed)."""

    def __init__(self, sentence: str) -> None:
        PosError.__init__(self, sentence)
        self.action = "Approving"
        self.needed = "manager"


class AuthenticationFailed(PosError):
    pass


class WrongPin(AuthenticationFailed):
    """A PIN sign-in failed; worded like a failed password so it tells nothing more."""

    def __init__(self) -> None:
        super().__init__("Wrong username or PIN.")


class AccountLocked(AuthenticationFailed):
    def __init__(self, username: str, minutes: int) -> None:
        self.username, self.minutes = username, minutes
        super().__init__(
            f"The account {username} is locked after repeated failures; "
            f"try again in {minutes} minute{'s' if minutes != 1 else ''} or ask a manager."
        )


class NotSignedIn(AuthenticationFailed):
    """The session behind a request is not (or no longer) good: made up, signed out, or
    its account deactivated."""

    def __init__(self) -> None:
        super().__init__("Your sign-in has ended; sign in again.")


class IllegalTransition(PosError):
    def __init__(self, what: str, current: str, target: str) -> None:
        self.current, self.target = current, target
        super().__init__(f"{what} cannot go from {current} to {target}.")


class PaymentShort(PosError):
    def __init__(self, due: str, paid: str) -> None:
        super().__init__(f"The payment {paid} does not cover the total {due}.")


class PaymentDeclined(PosError):
    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"The card was declined: {reason}.")


class ShiftError(PosError):
    pass


class Conflict(PosError):
    """The request clashes with what is already stored (a duplicate, a closed cart...)."""


class PrinterError(PosError):
    """A receipt printer or cash drawer could not be reached; the sale itself is recorded."""


class TerminalError(PosError):
    """The card terminal could not be used (none configured, or it did not answer)."""


class Busy(PosError):
    """Another till changed the same records at the same moment (a deadlock or a
    serialization failure). Services retry it a few times before a cashier ever sees it."""

    def __init__(self) -> None:
        super().__init__("Another till was changing the same records; try again.")


class BackupFailed(PosError):
    """A backup or restore of the database could not be made; the sentence says why."""


class StorefrontError(PosError):
    """The online storefront could not do what the sync asked."""


class StorefrontUnavailable(StorefrontError):
    """The storefront did not answer usefully after every retry (down, slow, a proxy's
    error page, a garbage body); nothing is lost: the change waits for the next cycle."""


class StorefrontRefused(StorefrontError):
    """The storefront refused a call with a 4xx answer (not retried; its body is logged)."""

    def __init__(self, status: int, message: str, body: str = "") -> None:
        self.status, self.body = status, body
        super().__init__(message)


class StorefrontInDoubt(StorefrontError):
    """A call that changes something failed in a way that leaves open whether the
    storefront did it (the answer was lost); it is checked, never blindly sent again."""


class SyncNotSetUp(PosError):
    def __init__(self) -> None:
        super().__init__("The storefront sync is not set up; set it up first.")
