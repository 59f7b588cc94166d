"""Names a person reads in place of ids: channels, and the like (the ids stay in `.json`)."""

from __future__ import annotations

CHANNEL_NAMES = {
    "linkedin": "LinkedIn",
    "x": "X",
    "facebook": "Facebook",
    "email": "E-mail",
    "whatsapp": "WhatsApp",
    "link": "Link",
    "embed": "Embed",
    "other": "Other",
}
FORMATS = {"pdf": "PDF", "png": "Image (PNG)", "print_pdf": "PDF for print", "other": "Other"}
PLATFORMS = {"linkedin": "LinkedIn", "xing": "XING", "other": "Other"}
DELIVERY_FAILURES = {"bounced": "Bounced", "invalid_address": "Invalid address", "other": "Other"}
UNKNOWN = {"unknown": "Unknown"}
