"""Who may take which organisation-domain action (gigbranch.core.permissions.can)."""

from __future__ import annotations

from gigbranch.core.permissions import capability_action

# Importing the 1+X+N tree or the workplace registry changes them: org.change.
capability_action("organizations.import", "org.change")

# Buttons and views of the network pages ask these (the views fetch the record through
# `visible_to`, so the scope is already applied).
capability_action("organizations.change", "org.change")
capability_action("organizations.rules", "org.rules")
capability_action("organizations.reveal", "pii.reveal")
