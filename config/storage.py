"""Static files for production: WhiteNoise's compressed, hashed storage, minus source maps.

The vendored bundles (Chart.js …) end with a ``sourceMappingURL`` comment naming a ``.map``
file that is not shipped; Django's hashing storage follows that reference and
``collectstatic`` fails.  Browsers fetch source maps only with the developer tools open, so
the comment is left as it is and not followed.
"""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    patterns = tuple(
        (glob, tuple(p for p in rules if "sourceMappingURL" not in str(p)))
        for glob, rules in CompressedManifestStaticFilesStorage.patterns
    )
