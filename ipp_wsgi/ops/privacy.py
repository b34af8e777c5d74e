"""Private values, of every object that carries one: who may see them and which they are.

The printer's job privacy (PWG 5100.13 ``job-privacy-attributes`` and ``job-privacy-scope``, CUPS's
JobPrivateValues and JobPrivateAccess; the configuration's ``[jobs]`` ``private_values`` and
``private_access``) governs them all:

- a job (Get-Jobs, Get-Job-Attributes, the answers to job creation): its private attributes are left
  out for a caller who may not see them;
- its documents (Get-Documents, Get-Document-Attributes): a document's value is private when the job value
  it repeats is: ``document-name`` is the job's name ("report.pdf 1"), a document's ``copies`` its job's;
- event notifications (Get-Notifications): the job values an event carries;
- subscriptions (Get-Subscriptions, Get-Subscription-Attributes): a subscription is nothing but its
  owner's request (which events, until when, their user data, the owner's name), so it is shown whole to
  its owner and to whoever may see its owner's private values, and to no one else: Get-Subscriptions
  leaves it out, Get-Subscription-Attributes refuses it as Renew-Subscription, Cancel-Subscription and
  Get-Notifications do (client-error-not-authenticated, or -not-authorized for an authenticated user).

Who sees them is one rule (:func:`sees_private_values`): with job-privacy-scope ``all`` everyone, with
``none`` administrators only, otherwise (``default``, ``owner``) the object's owner and administrators.
"""

from __future__ import annotations

from ipp_wsgi.codec import AttributeGroup
from ipp_wsgi.ops.call import Call, Owned
from ipp_wsgi.ops.requested import JOB, Requested, parse_requested

PRIVACY_ATTRIBUTES = "job-privacy-attributes"
PRIVACY_SCOPE = "job-privacy-scope"
PRIVACY_SCOPES = ("default", "owner", "all", "none")
"""job-privacy-scope: ``default`` and ``owner``: the job's owner and administrators see private values;
``all``: everyone does (no privacy); ``none``: administrators only."""
DEFAULT_PRIVATE = frozenset({"job-name", "job-originating-host-name", "job-originating-user-name",
                             "job-originating-user-uri", "phone"})
"""The private attributes of job-privacy-attributes ``default`` (CUPS's JobPrivateValues default)."""
ALWAYS_PUBLIC = frozenset({"job-id", "job-uri", "job-printer-uri", "job-state", "job-state-reasons"})
"""What anyone may see of any job, even with job-privacy-attributes ``all``: how to name it, its state."""
DOCUMENT_ALWAYS_PUBLIC = frozenset({"document-number", "document-job-id", "document-job-uri",
                                    "document-printer-uri", "document-state", "document-state-reasons"})
"""What anyone may see of any document: how to name it, its state (as :data:`ALWAYS_PUBLIC` of jobs)."""
_JOB_VALUE_OF = {"document-name": "job-name", "k-octets": "job-k-octets"}
"""Document attributes that repeat a job attribute of another name; every other document attribute is
the job attribute of the same name (``copies``, ``document-format``, ``time-at-creation``, ...)."""


def sees_private_values(call: Call, description: AttributeGroup, owned: Owned) -> bool:
    """True when the caller may see the private values of ``owned`` (a job, or a subscription), as the
    printer's job-privacy-scope says."""
    scope = description.value(PRIVACY_SCOPE, "all")
    if scope == "all":
        return True
    if call.service.policy.is_admin(call.context.remote_user):
        return True
    return scope != "none" and call.owns(owned)


def private_names(description: AttributeGroup) -> Requested:
    """The job attributes the printer's job-privacy-attributes make private (as a :class:`Requested`:
    attribute names, group keywords ``job-description``/``job-template``, or ``all``)."""
    attr = description.get(PRIVACY_ATTRIBUTES)
    values = [str(v) for v in attr.values] if attr is not None else ["none"]
    names = [v for v in values if v not in ("none", "default")]
    if "default" in values:
        names.extend(DEFAULT_PRIVATE)
    return parse_requested(names)


def hide_private_values(group: AttributeGroup, description: AttributeGroup) -> None:
    """Remove from a job's attribute ``group`` those the printer's job-privacy-attributes make private
    (for a caller who may not see them: :func:`sees_private_values`)."""
    private = private_names(description)
    for name in [name for name in group if name not in ALWAYS_PUBLIC and private.wants(name, JOB)]:
        group.pop(name)


def hide_private_document_values(group: AttributeGroup, description: AttributeGroup) -> None:
    """Remove from a document's attribute ``group`` the values that repeat a private value of its job."""
    private = private_names(description)
    for name in [name for name in group
                 if name not in DOCUMENT_ALWAYS_PUBLIC and private.wants(_JOB_VALUE_OF.get(name, name), JOB)]:
        group.pop(name)



def sees_subscription(call: Call, description: AttributeGroup, subscription: Owned) -> bool:
    """True when the caller may see ``subscription`` at all: its owner (even with job-privacy-scope
    ``none``: it is their own request), and whoever may see its owner's private values."""
    return call.owns(subscription) or sees_private_values(call, description, subscription)
