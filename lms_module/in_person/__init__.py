"""Sessions held in person (parents' meetings, staff training): attendance is a completion."""
