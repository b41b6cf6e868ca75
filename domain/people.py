"""How people and channels are named: by their Slack ids, in app.yaml and in the ERP's
exports alike, so one rule decides what a valid id is."""

from __future__ import annotations

import re

# A letter for the kind, then capitals and digits: U0123ABCDE (a person; W on Enterprise
# Grid), C0123ABCDE (a channel; G for old private ones). Storage keeps 32 characters.
# The department key of credit management, as app.yaml's defaults name it: the
# approvals job tells its channel of accounts nobody owns, the alerts of customers left
# out for want of a rate when there is no admins' channel.
CREDIT_DEPARTMENT = "credit"
USER_ID = re.compile(r"[UW][A-Z0-9]{8,31}")
CHANNEL_ID = re.compile(r"[CG][A-Z0-9]{8,31}")
# A user id as a person types it in a command (match with re.IGNORECASE; the id is its
# upper case): any case, and it holds a digit, so that a last word such as "Wonderland"
# is not taken for one. A leading @ (typed without picking from Slack's list) is the
# caller's to allow.
TYPED_USER_ID = r"[UW](?=[A-Z0-9]*\d)[A-Z0-9]{8,31}"


def is_user_id(text: str) -> bool:
    return USER_ID.fullmatch(text) is not None


def is_channel_id(text: str) -> bool:
    return CHANNEL_ID.fullmatch(text) is not None
