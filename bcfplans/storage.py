from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    """Hashed, compressed static files; also rewrites ES module imports
    (app.mjs imports govuk-frontend.min.js) to their hashed names."""

    support_js_module_import_aggregation = True
