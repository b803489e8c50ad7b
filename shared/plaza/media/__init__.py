"""Media: uploads straight to S3 under limits the storage enforces, processing and attachments."""
