"""Protocol packs as typed, versioned data (see ``sections`` for the contract)."""
