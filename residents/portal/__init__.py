"""The residents' side (/r/): a mobile web app that a WeChat official-account menu or a QR
poster in the lobby opens.  Residents sign in with their phone and a one-time SMS code; they
are never Django users (see :mod:`.session`)."""
